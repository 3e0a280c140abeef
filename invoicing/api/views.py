"""`invoices` (with `invoiceLines` on $expand) and `payments`: the same rows the invoice
pages show, a constant number of queries a page, and the pages' writes through the same
services (post, void, Record Payment, Reverse Payment). An invoice's ETag is its version."""

from contextlib import contextmanager

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.attachments import AttachmentViewSet
from core.api.etag import EntityChanged, if_match_version, make_etag
from core.api.odata import DATE, DECIMAL, ENUM, INTEGER, ODataField
from core.api.views import ApiViewSet, ReasonSerializer, bound_action
from invoicing import services
from invoicing.exceptions import InvoiceStateError
from invoicing.models import Invoice, InvoiceLine, Payment
from salesorders.api.serializers import SalesOrderSerializer
from salesorders.api.views import OrderActionsMixin, stale_order_as_conflict
from salesorders.models import SalesOrder

from .serializers import (
    InvoiceLineCreateSerializer,
    InvoiceLineSerializer,
    InvoiceLineUpdateSerializer,
    InvoiceSerializer,
    InvoiceUpdateSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
)

CHANGE_INVOICE = "invoicing.change_invoice"  # what the invoice page's line forms need
INVOICE_STATUS = {str(label): value for value, label in Invoice.Status.choices}
INVOICE_KIND = {str(label): value for value, label in Invoice.Kind.choices}


@contextmanager
def stale_invoice_as_conflict(invoice_pk: int, expected: int | None):
    """The service found the invoice's version moved under its lock: a 409 with the current
    ETag (any other InvoiceStateError stays a 400 with the service's sentence)."""
    try:
        yield
    except InvoiceStateError:
        current = Invoice.objects.filter(pk=invoice_pk).values_list("version", flat=True).first()
        if expected is not None and current is not None and current != expected:
            raise EntityChanged(
                make_etag(current), "The invoice was changed by someone else."
            ) from None
        raise


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

    @extend_schema(request=InvoiceUpdateSerializer, responses={200: InvoiceSerializer})
    def partial_update(self, request, *args, **kwargs):
        """A draft's date and notes (the edit page's), through invoice_update: If-Match; a
        posted invoice is a 400 with the service's sentence."""
        invoice = self.get_object()
        expected = self.check_if_match(invoice)
        fields = self.read_body(InvoiceUpdateSerializer, partial=True)
        with stale_invoice_as_conflict(invoice.pk, expected):
            services.invoice_update(
                invoice=invoice, user=request.user, expected_version=expected, **fields
            )
        return self.respond(self.get_queryset().get(pk=invoice.pk))

    def destroy(self, request, *args, **kwargs):
        """Delete a draft (its quantities may be invoiced again), through invoice_delete:
        If-Match; 204. A posted invoice is voided instead (400 with the sentence)."""
        invoice = self.get_object()
        expected = self.check_if_match(invoice)
        with stale_invoice_as_conflict(invoice.pk, expected):
            services.invoice_delete(invoice=invoice, user=request.user, expected_version=expected)
        return self.respond_empty()

    def _run(self, call) -> Response:
        invoice = self.get_object()
        expected = self.check_if_match(invoice)
        with stale_invoice_as_conflict(invoice.pk, expected):
            call(invoice, expected)
        version = Invoice.objects.filter(pk=invoice.pk).values_list("version", flat=True).get()
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": make_etag(version)})

    @extend_schema(request=None, responses={204: None})
    @bound_action("invoicing.post_invoice")
    def post_invoice(self, request, *args, **kwargs):
        # Served at invoices({id})/post; a method named `post` would be DRF's handler of
        # every POST to this viewset, the list's included.
        """Post a Draft invoice (number, ledger): POST with If-Match; 204 and the new ETag."""
        return self._run(
            lambda invoice, expected: services.invoice_post(
                invoice=invoice, user=request.user, expected_version=expected
            )
        )

    @extend_schema(request=ReasonSerializer, responses={204: None})
    @bound_action("invoicing.void_invoice")
    def void(self, request, *args, **kwargs):
        """Void a posted invoice with a credit note (`reason`): If-Match; 204."""
        reason = self.read_body(ReasonSerializer).get("reason", "") if request.data else ""
        return self._run(
            lambda invoice, expected: services.invoice_void(
                invoice=invoice, reason=reason, user=request.user, expected_version=expected
            )
        )


class SalesOrderInvoicingActionViewSet(OrderActionsMixin, ApiViewSet):
    """The order actions that make invoices, so invoicing's."""

    queryset = SalesOrder.objects.all()
    serializer_class = SalesOrderSerializer

    @extend_schema(request=None, responses={201: InvoiceSerializer})
    @bound_action("invoicing.add_invoice")
    def createInvoice(self, request, *args, **kwargs):  # noqa: N802
        """A Draft invoice of everything the order may invoice: If-Match; 201 with it."""
        order = self.get_object()
        expected = self.check_if_match(order)
        with stale_order_as_conflict(order.pk):
            invoice = services.invoice_create_from_order(
                order=order, user=request.user, expected_version=expected
            )
        invoice = Invoice.objects.for_list().get(pk=invoice.pk)
        body = InvoiceSerializer(invoice, context=self.get_serializer_context()).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"ETag": make_etag(invoice.version)}
        )

    @extend_schema(request=None, responses={204: None})
    @bound_action(["invoicing.add_invoice", "invoicing.post_invoice"])
    def shipAndInvoice(self, request, *args, **kwargs):  # noqa: N802
        """Business Central's Microsoft.NAV.shipAndInvoice: ship everything, post one invoice
        for it; 204, then fullyShipped and fullyInvoiced are true."""

        def ship_and_invoice(order, expected):
            services.salesorder_ship_and_invoice(
                order=order, user=request.user, expected_version=expected
            )
            return order

        return self.run_on_order(ship_and_invoice)


class PaymentViewSet(ApiViewSet):
    """`payments`: every payment, and `payments({id})/reverse`. A payment's ETag is its
    invoice's version."""

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

    @extend_schema(request=ReasonSerializer, responses={204: None})
    @bound_action("invoicing.reverse_payment")
    def reverse(self, request, *args, **kwargs):
        """Reverse Payment (`reason`): If-Match (the payment's ETag); 204 and the invoice's
        new ETag; the invoice is open again."""
        payment = self.get_object()
        self.check_if_match(payment)
        reason = self.read_body(ReasonSerializer).get("reason", "") if request.data else ""
        services.payment_reverse(payment=payment, reason=reason, user=request.user)
        version = (
            Invoice.objects.filter(pk=payment.invoice_id).values_list("version", flat=True).get()
        )
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": make_etag(version)})


class InvoiceChildMixin:
    """A sub-resource of one invoice (`invoices/{invoice_pk}/...`): another invoice's record
    is a 404 here. If-Match is optional on its POST: given, it must be the invoice's ETag."""

    @property
    def invoice(self) -> Invoice:
        if not hasattr(self, "_invoice"):
            self._invoice = get_object_or_404(Invoice, pk=self.kwargs["invoice_pk"])
        return self._invoice

    def get_queryset(self):
        return super().get_queryset().filter(invoice=self.invoice)

    def optional_if_match(self) -> int | None:
        if "If-Match" not in self.request.headers:
            return None
        return if_match_version(self.request, self.invoice.version)


class InvoicePaymentViewSet(InvoiceChildMixin, PaymentViewSet):
    """`invoices({id})/payments`: the invoice's payments, and Record Payment (POST) through
    payment_record."""

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        """Record Payment on a posted invoice: 201 with the payment (its ETag the invoice's
        new version); an amount above the open amount, a date before the invoice or in a
        closed period is a 400 at that field, nothing written."""
        invoice = self.invoice
        expected = self.optional_if_match()
        fields = dict(self.read_body(PaymentCreateSerializer))
        with stale_invoice_as_conflict(invoice.pk, expected):
            payment = services.payment_record(
                invoice=invoice,
                payment_date=fields.pop("payment_date", None),
                user=request.user,
                expected_version=expected,
                **fields,
            )
        payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
        location = request.build_absolute_uri(reverse("payments-detail", args=[payment.pk]))
        return self.respond(
            payment, status_code=status.HTTP_201_CREATED, headers={"Location": location}
        )


class InvoiceLineViewSet(InvoiceChildMixin, ApiViewSet):
    """`invoices({id})/invoiceLines`: a draft's lines, and their edits through the services
    the invoice page's forms call (change, add a free line, remove). Every write needs the
    page's permission (change invoices); PATCH and DELETE need If-Match (the invoice's ETag).
    A posted invoice's lines are refused with the sentence."""

    queryset = InvoiceLine.objects.select_related("invoice")
    serializer_class = InvoiceLineSerializer
    default_ordering = ("sort_order",)
    extra_domain_targets = {"tax_rate": "taxRateId"}
    odata_fields = {
        "sequence": ODataField("sort_order", INTEGER),
        "lineObjectNumber": ODataField("sku"),
        "description": ODataField("description"),
        "quantity": ODataField("quantity", DECIMAL),
        "unitPrice": ODataField("unit_price", DECIMAL),
    }

    @property
    def domain_targets(self) -> dict[str, str]:
        targets = super().domain_targets
        line = getattr(self, "_line", None)
        if line is not None and line.order_line_id:
            # An order line's quantity is refused at quantity_<order line> (the page's field).
            targets[f"quantity_{line.order_line_id}"] = "quantity"
        return targets

    def etag_version(self, obj):
        return obj.invoice.version

    def fresh(self, pk) -> InvoiceLine:
        return InvoiceLine.objects.select_related("invoice").get(pk=pk)

    @extend_schema(request=InvoiceLineCreateSerializer, responses={201: InvoiceLineSerializer})
    def create(self, request, *args, **kwargs):
        """Add a free line to a draft (invoice_line_add): 201 with it."""
        invoice = self.invoice
        expected = self.optional_if_match()
        fields = self.read_body(InvoiceLineCreateSerializer)
        with stale_invoice_as_conflict(invoice.pk, expected):
            line = services.invoice_line_add(
                invoice=invoice, user=request.user, expected_version=expected, **fields
            )
        return self.respond_created(self.fresh(line.pk))

    @extend_schema(request=InvoiceLineUpdateSerializer, responses={200: InvoiceLineSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change a draft's line (invoice_line_update): If-Match; 200 with it."""
        line = self._line = self.get_object()
        expected = self.check_if_match(line)
        fields = self.read_body(InvoiceLineUpdateSerializer, partial=True)
        with stale_invoice_as_conflict(line.invoice_id, expected):
            services.invoice_line_update(
                line=line, user=request.user, expected_version=expected, **fields
            )
        return self.respond(self.fresh(line.pk))

    def destroy(self, request, *args, **kwargs):
        """Take a line off a draft (invoice_line_delete): If-Match; 204."""
        line = self.get_object()
        expected = self.check_if_match(line)
        with stale_invoice_as_conflict(line.invoice_id, expected):
            services.invoice_line_delete(line=line, user=request.user, expected_version=expected)
        return self.respond_empty()

    create.required_permission = CHANGE_INVOICE
    partial_update.required_permission = CHANGE_INVOICE
    destroy.required_permission = CHANGE_INVOICE


class InvoiceAttachmentViewSet(AttachmentViewSet):
    """`invoices({id})/attachments`: its supporting documents and its generated PDF (read
    only: a Generated document cannot be deleted or uploaded as one)."""

    parent_model = Invoice
    parent_kwarg = "invoice_pk"
