from core.api.urls import resource_urls

from .views import AllocationViewSet, SalesOrderStockActionViewSet, ShipmentViewSet

urlpatterns = [
    *resource_urls("shipments", ShipmentViewSet, name="shipments", bound=("complete",)),
    *resource_urls(
        "shipments/<int:shipment_pk>/allocations",
        AllocationViewSet,
        name="allocations",
        parents=r"shipments\((?P<shipment_pk>\d+)\)/allocations",
    ),
    *resource_urls(
        "salesOrders",
        SalesOrderStockActionViewSet,
        name="salesOrders-stock",
        bound=("cancel", "autoAllocate"),
        bound_only=True,
    ),
]
