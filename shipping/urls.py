from django.urls import path

from shipping import views

app_name = "shipping"

order_shipment = "orders/<int:order_pk>/shipments/<int:pk>"

urlpatterns = [
    path("backorders/", views.BackorderListView.as_view(), name="backorders"),
    path(
        "backorders/auto-allocate/",
        views.BackordersAutoAllocateView.as_view(),
        name="backorders-auto-allocate",
    ),
    path("shipments/", views.ShipmentListView.as_view(), name="shipment-list"),
    path("shipments/<int:pk>/", views.ShipmentDetailView.as_view(), name="shipment-detail"),
    path(
        "shipments/<int:pk>/packing-slip/",
        views.PackingSlipView.as_view(),
        name="shipment-packing-slip",
    ),
    path(
        "orders/<int:order_pk>/shipments/new/",
        views.ShipmentCreateView.as_view(),
        name="shipment-create",
    ),
    path(f"{order_shipment}/edit/", views.ShipmentUpdateView.as_view(), name="shipment-update"),
    path(
        f"{order_shipment}/delete/",
        views.ShipmentActionView.as_view(action="delete"),
        name="shipment-delete",
    ),
    path(
        f"{order_shipment}/allocate/", views.AllocateStockView.as_view(), name="shipment-allocate"
    ),
    path(
        f"{order_shipment}/auto-allocate/",
        views.ShipmentActionView.as_view(action="auto_allocate"),
        name="shipment-auto-allocate",
    ),
    path(
        f"{order_shipment}/complete/",
        views.ShipmentActionView.as_view(action="complete"),
        name="shipment-complete",
    ),
    path(
        f"{order_shipment}/deliver/",
        views.ShipmentActionView.as_view(action="deliver"),
        name="shipment-deliver",
    ),
    path(
        f"{order_shipment}/allocations/<int:allocation_pk>/remove/",
        views.AllocationDeleteView.as_view(),
        name="allocation-delete",
    ),
]
