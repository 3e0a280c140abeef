"""`invoices` (with `invoiceLines` on $expand) and `payments`, read-only: the same rows the
invoice pages show, a constant number of queries a page. An invoice's ETag is its version."""

from django.db.models import Prefetch

from core.api.odata import DATE, DECIMAL, ENUM, INTEGER, ODataField
from core.api.views import ApiViewSet
from invoicing.models import Invoice, InvoiceLine, Payment

from .serializers import InvoiceSerializer, PaymentSerializer

INVOICE_STATUS = {str(label): value for value, label in Invoice.Status.choices}
INVOICE_KIND = {str(label): value for value, label in Invoice.Kind.choices}


class InvoiceViewSet(ApiViewSet):
    queryset = Invoice.objects.for_list()
    serializer_class = InvoiceSerializer
    expandable = {"invoiceLines"}
    default_ordering = ("-invoice_date",)
    odata_fields = {
        "number": ODataField("number"),
        "kind": ODataField("kind", ENUM, values=INVOICE_KIND),
        "status": ODataField("status", ENUM, values=INVOICE_STATUS),
        "invoiceDate": ODataField("invoice_date", DATE),
        "dueDate": ODataField("due_date", DATE),
        "customerId": ODataField("customer_id", INTEGER),
        "customerName": ODataField("customer_name"),
        "salesOrderId": ODataField("order_id", INTEGER),
        "currencyCode": ODataField("currency"),
        "totalAmountIncludingTax": ODataField("total", DECIMAL),
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method == "GET" and "invoiceLines" in self.options_of_request().expand:
            lines = InvoiceLine.objects.select_related("invoice").order_by("sort_order", "pk")
            queryset = queryset.prefetch_related(Prefetch("lines", queryset=lines))
        return queryset


class PaymentViewSet(ApiViewSet):
    queryset = Payment.objects.select_related("invoice")
    serializer_class = PaymentSerializer
    default_ordering = ("-payment_date",)
    odata_fields = {
        "invoiceId": ODataField("invoice_id", INTEGER),
        "paymentDate": ODataField("payment_date", DATE),
        "amount": ODataField("amount", DECIMAL),
    }

    def etag_version(self, obj):
        return obj.invoice.version
