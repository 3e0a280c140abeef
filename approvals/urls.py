from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.WaitingForMeView.as_view(), name="waiting"),
    path("rules/", views.RuleListView.as_view(), name="rule-list"),
    path("rules/new/", views.RuleCreateView.as_view(), name="rule-create"),
    path("rules/<int:pk>/edit/", views.RuleUpdateView.as_view(), name="rule-update"),
]
