from core.api.attachments import attachment_api_urls
from core.api.urls import resource_urls

from .views import (
    SalesOrderAttachmentViewSet,
    SalesOrderExtraLineViewSet,
    SalesOrderLineViewSet,
    SalesOrderViewSet,
)

ORDER = "salesOrders/<int:order_pk>"
ORDER_PARENS = r"salesOrders\((?P<order_pk>\d+)\)"

urlpatterns = [
    *resource_urls(
        "salesOrders",
        SalesOrderViewSet,
        name="salesOrders",
        bound=(
            "issue",
            "hold",
            "release",
            "complete",
            "submitForApproval",
            "approve",
            "reject",
        ),
    ),
    *resource_urls(
        f"{ORDER}/salesOrderLines",
        SalesOrderLineViewSet,
        name="salesOrderLines",
        key="pk",
        parents=f"{ORDER_PARENS}/salesOrderLines",
    ),
    *resource_urls(
        f"{ORDER}/salesOrderExtraLines",
        SalesOrderExtraLineViewSet,
        name="salesOrderExtraLines",
        key="pk",
        parents=f"{ORDER_PARENS}/salesOrderExtraLines",
    ),
    *attachment_api_urls(
        ORDER, ORDER_PARENS, SalesOrderAttachmentViewSet, name="salesOrderAttachments"
    ),
]
