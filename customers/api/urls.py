from core.api.attachments import attachment_api_urls
from core.api.urls import resource_urls

from .views import CustomerAttachmentViewSet, CustomerViewSet

urlpatterns = [
    *resource_urls("customers", CustomerViewSet, name="customers"),
    *attachment_api_urls(
        "customers/<int:customer_pk>",
        r"customers\((?P<customer_pk>\d+)\)",
        CustomerAttachmentViewSet,
        name="customerAttachments",
    ),
]
