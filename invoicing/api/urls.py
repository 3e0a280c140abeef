from core.api.urls import resource_urls

from .views import InvoiceViewSet, PaymentViewSet

urlpatterns = [
    *resource_urls("invoices", InvoiceViewSet, name="invoices", read_only=True),
    *resource_urls("payments", PaymentViewSet, name="payments", read_only=True),
]
