from django.urls import path

from shipping import views

app_name = "shipping"

urlpatterns = [
    path("placeholder/backorders/", views.PlaceholderView.as_view(), name="backorders"),
    path("placeholder/shipment-list/", views.PlaceholderView.as_view(), name="shipment-list"),
    path(
        "placeholder/shipments/<int:pk>/", views.PlaceholderView.as_view(), name="shipment-detail"
    ),
]
