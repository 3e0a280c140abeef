"""Shipping's pages under /shipping/, and the order actions shipping does under /orders/
(Cancel Order and Cancel Remaining release stock first, so they are shipping's). config/urls.py
includes this module once, at the root, so every name is in the one `shipping` namespace."""

from django.urls import include, path

from shipping import views

app_name = "shipping"

order_shipment = "orders/<int:order_pk>/shipments/<int:pk>"

shipping_patterns = [
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
    path("shipments/<int:pk>/pick-list/", views.PickListView.as_view(), name="shipment-pick-list"),
    path(
        "shipments/<int:pk>/delivery-note/",
        views.DeliveryNoteView.as_view(),
        name="shipment-delivery-note",
    ),
    path(
        "orders/<int:order_pk>/shipments/new/",
        views.ShipmentCreateView.as_view(),
        name="shipment-create",
    ),
    path(f"{order_shipment}/edit/", views.ShipmentUpdateView.as_view(), name="shipment-update"),
    path(
        f"{order_shipment}/delete/",
        views.ShipmentDeleteView.as_view(),
        name="shipment-delete",
    ),
    path(
        f"{order_shipment}/allocate/", views.AllocateStockView.as_view(), name="shipment-allocate"
    ),
    path(
        f"{order_shipment}/auto-allocate/",
        views.ShipmentAutoAllocateView.as_view(),
        name="shipment-auto-allocate",
    ),
    path(
        f"{order_shipment}/complete/",
        views.ShipmentCompleteView.as_view(),
        name="shipment-complete",
    ),
    path(
        f"{order_shipment}/deliver/",
        views.ShipmentDeliverView.as_view(),
        name="shipment-deliver",
    ),
    path(
        f"{order_shipment}/allocations/<int:allocation_pk>/remove/",
        views.AllocationDeleteView.as_view(),
        name="allocation-delete",
    ),
]

order_patterns = [
    path("<int:order_pk>/cancel/", views.SalesOrderCancelView.as_view(), name="salesorder-cancel"),
    path(
        "<int:order_pk>/lines/<int:line_pk>/cancel-remaining/",
        views.SalesOrderLineCancelRemainingView.as_view(),
        name="salesorderline-cancel-remaining",
    ),
]

urlpatterns = [
    path("shipping/", include(shipping_patterns)),
    path("orders/", include(order_patterns)),
]
