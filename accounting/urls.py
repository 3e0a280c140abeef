from django.urls import path

from accounting import views
from accounting.models import PERIOD_TRANSITIONS

app_name = "accounting"

urlpatterns = [
    path("periods/", views.PeriodListView.as_view(), name="period-list"),
    path("periods/new/", views.PeriodCreateView.as_view(), name="period-create"),
    path(
        "periods/<int:pk>/confirm/<str:action>/",
        views.PeriodConfirmView.as_view(),
        name="period-confirm",
    ),
    *(
        path(
            f"periods/<int:pk>/{action}/",
            views.PeriodTransitionView.as_view(action=action),
            name=f"period-{action}",
        )
        for action in PERIOD_TRANSITIONS
    ),
]
