from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("placeholder/list/", views.PlaceholderView.as_view(), name="list"),
    path("placeholder/<int:pk>/", views.PlaceholderView.as_view(), name="detail"),
]
