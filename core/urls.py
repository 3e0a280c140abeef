from django.urls import path

from core import views

urlpatterns = [
    path("", views.JobListView.as_view(), name="job-list"),
    path("<int:pk>/retry/", views.JobRetryView.as_view(), name="job-retry"),
]
