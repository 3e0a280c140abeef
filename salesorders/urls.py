from django.urls import path

from salesorders import views

app_name = "salesorders"

urlpatterns = [
    path("placeholder/list/", views.PlaceholderView.as_view(), name="list"),
    path("placeholder/<int:pk>/", views.PlaceholderView.as_view(), name="detail"),
]
