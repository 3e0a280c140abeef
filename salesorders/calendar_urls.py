from django.urls import path

from salesorders import views

app_name = "calendar"

urlpatterns = [
    path("placeholder/month/", views.PlaceholderView.as_view(), name="month"),
]
