"""`salesOrders` with `salesOrderLines` and `salesOrderExtraLines`, and the lifecycle's bound
actions (issue, hold, release, complete, submitForApproval, approve, reject: one per entry
of SalesOrder.TRANSITIONS). Every write is a salesorders service called with the version
the client's If-Match names, so a stale write is refused under the order's lock (409),
exactly as a stale form is. Cancel and Auto Allocate release or reserve stock, so
they are shipping's (shipping/api)."""

from contextlib import contextmanager

from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from approvals.selectors import step_to_decide
from core.api.attachments import AttachmentViewSet
from core.api.etag import EntityChanged, if_match_version, make_etag
from core.api.odata import BOOLEAN, DATE, DATETIME, DECIMAL, ENUM, INTEGER, ODataField
from core.api.views import ApiViewSet, ReasonSerializer, bound_action
from salesorders import services
from salesorders.exceptions import StaleOrderError
from salesorders.filters import SalesOrderFilter
from salesorders.models import UNSET, SalesOrder, SalesOrderExtraLine, SalesOrderLine

from .serializers import (
    INVOICING_FROM_API,
    STATUS_FROM_API,
    SalesOrderExtraLineSerializer,
    SalesOrderLineSerializer,
    SalesOrderSerializer,
)

SHIPPED = SalesOrder.DeliveryState.SHIPPED


@contextmanager
def stale_order_as_conflict(order_pk: int):
    """A service's StaleOrderError (the If-Match version lost a race under the lock) as a 409
    carrying the order's current ETag and the service's sentence."""
    try:
        yield
    except StaleOrderError as error:
        version = SalesOrder.objects.filter(pk=order_pk).values_list("version", flat=True).get()
        raise EntityChanged(make_etag(version), str(error)) from None


def _fully_shipped(lookup: str, value) -> Q:
    """fullyShipped: the derived delivery state (with_delivery_state) is Shipped."""
    shipped = Q(delivery_state=SHIPPED)
    return shipped if value else ~shipped


def _fully_invoiced(lookup: str, value) -> Q:
    """fullyInvoiced: the derived invoicing state (with_invoicing_state) is Invoiced."""
    invoiced = Q(invoicing_state=SalesOrder.InvoicingState.INVOICED)
    return invoiced if value else ~invoiced


def lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=SalesOrderLine.objects.order_by("sort_order", "pk"))


class OrderActionsMixin:
    """Bound actions on an order: check If-Match, run the service with that version."""

    def run_on_order(self, call) -> Response:
        order = self.get_object()
        expected = self.check_if_match(order)
        with stale_order_as_conflict(order.pk):
            order = call(order, expected)
        version = SalesOrder.objects.filter(pk=order.pk).values_list("version", flat=True).get()
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": make_etag(version)})


def _action_body(transition: SalesOrder.Transition, name: str) -> type[serializers.Serializer]:
    """The body of a lifecycle action, from its entry in the table: `reason` (on approve and
    reject the decision's comment), `creditAcknowledged` where the action runs the credit
    check (the page's warning step), `stepId` on an approval decision (default: the step the
    user may decide now)."""
    if not (transition.credit_checked or transition.decision):
        return ReasonSerializer
    fields = {}
    if transition.credit_checked:
        fields["creditAcknowledged"] = serializers.BooleanField(required=False, default=False)
    if transition.decision:
        fields["stepId"] = serializers.IntegerField(required=False, min_value=1)
    return type(f"{name[:1].upper()}{name[1:]}Body", (ReasonSerializer,), fields)


def _transition_action(action: str, name: str = ""):
    """The bound action `name` (default: `action`) running SalesOrder.TRANSITIONS[action]
    through salesorder_transition, the service its page's button posts to."""
    transition = SalesOrder.TRANSITIONS[action]
    name = name or action
    body_class = _action_body(transition, name)

    @extend_schema(request=body_class, responses={204: None})
    @bound_action(transition.permission)
    def run(self, request, *args, **kwargs):
        body = self.read_body(body_class) if request.data else {}

        def call(order, expected):
            step_id = None
            if transition.decision:
                # No step of the round for this user: 0, so the service says why.
                step_id = body.get("stepId") or step_to_decide(order, user=request.user) or 0
            return services.salesorder_transition(
                order=order,
                action=action,
                user=request.user,
                expected_version=expected,
                reason=body.get("reason", ""),
                credit_acknowledged=body.get("creditAcknowledged", False),
                step_id=step_id,
            )

        return self.run_on_order(call)

    run.__name__ = name
    run.__doc__ = f"{transition.label}: POST with If-Match; 204 and the new ETag."
    return run


class SalesOrderViewSet(OrderActionsMixin, ApiViewSet):
    queryset = SalesOrder.objects.for_list()
    serializer_class = SalesOrderSerializer
    filterset_class = SalesOrderFilter
    expandable = {"salesOrderLines"}
    default_ordering = ("-reference_number",)
    # An approval decision's comment is the body's `reason`.
    extra_domain_targets = {"reason": "reason", "comment": "reason", "contact": "contactId"}
    odata_fields = {
        "number": ODataField("reference"),
        "externalDocumentNumber": ODataField("customer_reference"),
        "orderDate": ODataField("order_date", DATE),
        "requestedDeliveryDate": ODataField("requested_delivery_date", DATE),
        "shipmentDate": ODataField("target_date", DATE),
        "customerId": ODataField("customer_id", INTEGER),
        "customerNumber": ODataField("customer__code"),
        "customerName": ODataField("customer_name"),
        "currencyCode": ODataField("currency"),
        "totalAmountExcludingTax": ODataField("subtotal", DECIMAL),
        "totalTaxAmount": ODataField("tax_total", DECIMAL),
        "totalAmountIncludingTax": ODataField("total", DECIMAL),
        "baseTotalAmountIncludingTax": ODataField("base_total", DECIMAL),
        "currencyRate": ODataField("currency_rate", DECIMAL),
        "discountAmount": ODataField("discount_amount", DECIMAL),
        "status": ODataField("status", ENUM, values=STATUS_FROM_API),
        "fullyShipped": ODataField("delivery_state", BOOLEAN, q=_fully_shipped),
        "fullyInvoiced": ODataField("invoicing_state", BOOLEAN, q=_fully_invoiced),
        "invoicingStatus": ODataField("invoicing_state", ENUM, values=INVOICING_FROM_API),
        "priority": ODataField("priority", INTEGER),
        "lastModifiedDateTime": ODataField("updated_at", DATETIME),
    }

    submitForApproval = _transition_action("submit", "submitForApproval")  # noqa: N815
    issue = _transition_action("issue")
    approve = _transition_action("approve")
    reject = _transition_action("reject")
    hold = _transition_action("hold")
    release = _transition_action("release")
    complete = _transition_action("complete")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method == "GET" and "salesOrderLines" in self.options_of_request().expand:
            queryset = queryset.prefetch_related(lines_prefetch())
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["writing_lines"] = getattr(self, "action", None) == "create"
        return context

    def create(self, request, *args, **kwargs):
        """A Pending order, and its lines when `salesOrderLines` is given (a deep insert):
        all of it or nothing."""
        fields = dict(self.read_body())
        lines = fields.pop("salesOrderLines", [])
        reference = fields.pop("reference", "")
        # The order discount applies to lines: it is set once they are on the order.
        discount = {
            name: fields.pop(name)
            for name in ("discount_percent", "discount_amount")
            if name in fields
        }
        with transaction.atomic():
            order = services.salesorder_create(user=request.user, reference=reference, **fields)
            for line in lines:
                services.salesorder_line_add(order=order, user=request.user, **_line_args(line))
            if any(discount.values()):
                services.salesorder_update(order=order, user=request.user, **discount)
        return self.respond_created(self.get_queryset().get(pk=order.pk))

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        expected = self.check_if_match(order)
        changes = dict(self.read_body(partial=True, instance=order))
        if "reference" in changes:
            raise ValidationError({"number": ["An order's number cannot change."]})
        with stale_order_as_conflict(order.pk):
            services.salesorder_update(
                order=order, user=request.user, expected_version=expected, **changes
            )
        return self.respond(self.get_queryset().get(pk=order.pk))


def _line_args(fields: dict) -> dict:
    """salesorder_line_add's arguments from a line's validated body."""
    args = {"part": fields["part"], "quantity": fields["quantity"]}
    for name in ("unit_price", "discount_percent", "target_date", "notes", "revenue_account"):
        if name in fields:
            args[name] = fields[name]
    return args


class OrderChildViewSet(ApiViewSet):
    """A sub-resource of one order (`salesOrders/{order}/...`): a record of another order is
    a 404 here, and its ETag is the order's version."""

    permission_model = None

    @property
    def order(self) -> SalesOrder:
        if not hasattr(self, "_order"):
            self._order = get_object_or_404(SalesOrder, pk=self.kwargs["order_pk"])
        return self._order

    def etag_version(self, obj):
        return obj.order.version

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "order_pk" in getattr(self, "kwargs", {}):
            context["order_version"] = self.order.version
        return context

    def get_queryset(self):
        return self.queryset.filter(order=self.order).select_related("order")

    def fresh(self, pk):
        self.__dict__.pop("_order", None)
        obj = self.queryset.select_related("order").get(pk=pk)
        self._order = obj.order
        return obj

    def check_order_version(self) -> int | None:
        """If-Match against the order's version (428 without it, 409 when stale)."""
        return if_match_version(self.request, self.order.version)


class SalesOrderLineViewSet(OrderChildViewSet):
    queryset = SalesOrderLine.objects.all()
    serializer_class = SalesOrderLineSerializer
    default_ordering = ("sort_order",)
    extra_domain_targets = {"part": "itemId", "tax_rate": "taxCode"}
    odata_fields = {
        "sequence": ODataField("sort_order", INTEGER),
        "itemId": ODataField("part_id", INTEGER),
        "lineObjectNumber": ODataField("part_sku"),
        "description": ODataField("part_name"),
        "quantity": ODataField("quantity", DECIMAL),
        "unitPrice": ODataField("unit_price", DECIMAL),
        "shipmentDate": ODataField("target_date", DATE),
        "shippedQuantity": ODataField("shipped_quantity", DECIMAL),
    }

    def create(self, request, *args, **kwargs):
        """Add a line. If-Match is optional here: given, it must be the order's ETag."""
        expected = None
        if "If-Match" in request.headers:
            expected = self.check_order_version()
        fields = self.read_body()
        with stale_order_as_conflict(self.order.pk):
            line = services.salesorder_line_add(
                order=self.order, user=request.user, expected_version=expected, **_line_args(fields)
            )
        return self.respond_created(self.fresh(line.pk))

    def partial_update(self, request, *args, **kwargs):
        line = self.get_object()
        expected = self.check_if_match(line)
        fields = self.read_body(partial=True, instance=line)
        changes = {
            name: fields.get(name, UNSET)
            for name in (
                "quantity",
                "unit_price",
                "discount_percent",
                "target_date",
                "notes",
                "revenue_account",
            )
        }
        with stale_order_as_conflict(line.order_id):
            services.salesorder_line_update(
                line=line, user=request.user, expected_version=expected, **changes
            )
        return self.respond(self.fresh(line.pk))

    def destroy(self, request, *args, **kwargs):
        line = self.get_object()
        expected = self.check_if_match(line)
        with stale_order_as_conflict(line.order_id):
            services.salesorder_line_delete(line=line, user=request.user, expected_version=expected)
        return self.respond_empty()


class SalesOrderExtraLineViewSet(OrderChildViewSet):
    queryset = SalesOrderExtraLine.objects.all()
    serializer_class = SalesOrderExtraLineSerializer
    default_ordering = ("sort_order",)
    extra_domain_targets = {"tax_rate": "taxRateId"}
    odata_fields = {
        "description": ODataField("description"),
        "unitPrice": ODataField("unit_price", DECIMAL),
    }

    def create(self, request, *args, **kwargs):
        expected = None
        if "If-Match" in request.headers:
            expected = self.check_order_version()
        fields = dict(self.read_body())
        with stale_order_as_conflict(self.order.pk):
            extra = services.salesorder_extra_line_add(
                order=self.order, user=request.user, expected_version=expected, **fields
            )
        return self.respond_created(self.fresh(extra.pk))

    def partial_update(self, request, *args, **kwargs):
        extra = self.get_object()
        expected = self.check_if_match(extra)
        fields = self.read_body(partial=True, instance=extra)
        changes = {
            name: fields.get(name, UNSET)
            for name in ("description", "quantity", "unit_price", "tax_rate")
        }
        with stale_order_as_conflict(extra.order_id):
            services.salesorder_extra_line_update(
                extra=extra, user=request.user, expected_version=expected, **changes
            )
        return self.respond(self.fresh(extra.pk))

    def destroy(self, request, *args, **kwargs):
        extra = self.get_object()
        expected = self.check_if_match(extra)
        with stale_order_as_conflict(extra.order_id):
            services.salesorder_extra_line_delete(
                extra=extra, user=request.user, expected_version=expected
            )
        return self.respond_empty()


class SalesOrderAttachmentViewSet(AttachmentViewSet):
    """`salesOrders({id})/attachments`: core's attachments, with the order's history line."""

    parent_model = SalesOrder
    parent_kwarg = "order_pk"

    def add_attachment(self, *, uploaded_file, category):
        return services.salesorder_attachment_add(
            order=self.parent,
            uploaded_file=uploaded_file,
            category=category,
            user=self.request.user,
        )

    def delete_attachment(self, attachment):
        services.salesorder_attachment_delete(
            order=self.parent, attachment=attachment, user=self.request.user
        )
