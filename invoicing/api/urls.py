from django.urls import path, re_path

from core.api.attachments import attachment_api_urls
from core.api.urls import resource_urls

from .views import (
    InvoiceAttachmentViewSet,
    InvoiceLineViewSet,
    InvoicePaymentViewSet,
    InvoiceViewSet,
    PaymentViewSet,
    SalesOrderInvoicingActionViewSet,
)

ship_and_invoice = SalesOrderInvoicingActionViewSet.as_view({"post": "shipAndInvoice"})
post_invoice = InvoiceViewSet.as_view({"post": "post_invoice"})

urlpatterns = [
    *resource_urls("invoices", InvoiceViewSet, name="invoices"),
    *resource_urls(
        "invoices", InvoiceViewSet, name="invoices-actions", bound=("void",), bound_only=True
    ),
    path("invoices/<int:pk>/post", post_invoice, name="invoices-actions-post"),
    re_path(
        r"^invoices\((?P<pk>\d+)\)/post$",
        InvoiceViewSet.as_view({"post": "post_invoice"}, schema=None),
    ),
    *resource_urls(
        "salesOrders",
        SalesOrderInvoicingActionViewSet,
        name="salesOrders-invoicing",
        bound=("createInvoice", "shipAndInvoice"),
        bound_only=True,
    ),
    path(
        "salesOrders/<int:pk>/Microsoft.NAV.shipAndInvoice",
        ship_and_invoice,
        name="salesOrders-Microsoft.NAV.shipAndInvoice",
    ),
    re_path(
        r"^salesOrders\((?P<pk>\d+)\)/Microsoft\.NAV\.shipAndInvoice$",
        SalesOrderInvoicingActionViewSet.as_view({"post": "shipAndInvoice"}, schema=None),
    ),
    *resource_urls("payments", PaymentViewSet, name="payments", read_only=True),
    *resource_urls(
        "payments", PaymentViewSet, name="payments-actions", bound=("reverse",), bound_only=True
    ),
    *resource_urls(
        "invoices/<int:invoice_pk>/payments",
        InvoicePaymentViewSet,
        name="invoicePayments",
        parents=r"invoices\((?P<invoice_pk>\d+)\)/payments",
    ),
    *resource_urls(
        "invoices/<int:invoice_pk>/invoiceLines",
        InvoiceLineViewSet,
        name="invoiceLines",
        parents=r"invoices\((?P<invoice_pk>\d+)\)/invoiceLines",
    ),
    *attachment_api_urls(
        "invoices/<int:invoice_pk>",
        r"invoices\((?P<invoice_pk>\d+)\)",
        InvoiceAttachmentViewSet,
        name="invoiceAttachments",
    ),
]
