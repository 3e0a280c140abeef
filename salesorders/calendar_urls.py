from django.urls import path

from salesorders import calendar_views

app_name = "calendar"

urlpatterns = [
    path("", calendar_views.CalendarMonthView.as_view(), name="month"),
    # The token in the path, not the query string: some calendar clients drop query strings.
    path("feed/<int:user_id>/<str:token>/orders.ics", calendar_views.feed, name="feed"),
    path(
        "feed/regenerate/",
        calendar_views.FeedTokenRegenerateView.as_view(),
        name="feed-regenerate",
    ),
]
