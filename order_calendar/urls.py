from django.urls import path

from order_calendar import views

app_name = "calendar"

urlpatterns = [
    path("", views.CalendarMonthView.as_view(), name="month"),
    # The token in the path, not the query string: some calendar clients drop query strings.
    path("feed/<int:user_id>/<str:token>/orders.ics", views.feed, name="feed"),
    path(
        "feed/regenerate/confirm/",
        views.FeedTokenRegenerateConfirmView.as_view(),
        name="feed-regenerate-confirm",
    ),
    path(
        "feed/regenerate/",
        views.FeedTokenRegenerateView.as_view(),
        name="feed-regenerate",
    ),
]
