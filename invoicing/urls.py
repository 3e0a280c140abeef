from django.urls import path

from core.attachment_views import attachment_urls
from invoicing import views
from invoicing.models import Invoice

app_name = "invoicing"

# Each action of Invoice.ACTIONS posts to its url_name; its confirmation step is
# invoice-confirm (GET only).
urlpatterns = [
    path("", views.InvoiceListView.as_view(), name="invoice-list"),
    path("sync/", views.InvoiceSyncListView.as_view(), name="sync-list"),
    path("sync/<int:pk>/retry/", views.InvoiceSyncRetryView.as_view(), name="sync-retry"),
    path("<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    *attachment_urls(Invoice),
    path("<int:pk>/print/", views.InvoicePrintView.as_view(), name="invoice-print"),
    path("<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("<int:pk>/edit/", views.InvoiceUpdateView.as_view(), name="invoice-update"),
    path(
        "<int:pk>/confirm/<str:action>/",
        views.InvoiceConfirmView.as_view(),
        name="invoice-confirm",
    ),
    path("<int:pk>/email/", views.InvoiceEmailSendView.as_view(), name="invoice-email"),
    path("<int:pk>/post/", views.InvoicePostView.as_view(), name="invoice-post"),
    path("<int:pk>/void/", views.InvoiceVoidView.as_view(), name="invoice-void"),
    path("<int:pk>/delete/", views.InvoiceDeleteView.as_view(), name="invoice-delete"),
    path("<int:pk>/lines/add/", views.InvoiceLineAddView.as_view(), name="invoice-line-add"),
    path(
        "<int:pk>/lines/<int:line_pk>/edit/",
        views.InvoiceLineUpdateView.as_view(),
        name="invoice-line-update",
    ),
    path(
        "<int:pk>/lines/<int:line_pk>/remove/",
        views.InvoiceLineDeleteView.as_view(),
        name="invoice-line-delete",
    ),
    path("<int:pk>/payments/new/", views.PaymentRecordView.as_view(), name="payment-record"),
    path(
        "<int:pk>/payments/<int:payment_pk>/reverse/",
        views.PaymentReverseView.as_view(),
        name="payment-reverse",
    ),
    path("orders/<int:order_pk>/new/", views.InvoiceCreateView.as_view(), name="invoice-create"),
    path(
        "orders/<int:order_pk>/ship-and-invoice/",
        views.SalesOrderShipAndInvoiceView.as_view(),
        name="order-ship-and-invoice",
    ),
    path(
        "orders/invoice-shipped/",
        views.InvoiceAllShippedView.as_view(),
        name="orders-invoice-shipped",
    ),
]
