from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone

from accounting.models import Account, Dimension, DimensionValue, RateSource, TaxRule, base_currency
from accounting.selectors import TaxCharge
from approvals.models import ApprovalRequest, RequestStatus
from core.currency import RATE, UNIT_PRICE_STEP, TaxTreatment, country_code_choices
from core.links import url_by_pk
from core.models import user_stamp
from core.numbers import (
    MAX_AMOUNT,
    MONEY,
    QUANTITY,
    UNIT_PRICE,
    ZERO,
    gross_line_amounts,
    money,
)
from customers.models import (
    Contact,
    Customer,
    PaymentTermsKind,
    due_date,
    payment_terms_text,
    validate_currency_code,
)
from inventory.models import (
    Part,
    PartKind,
    TaxRate,
    available_stock,
    quantity_refusal,
    unit_rule,
)
from inventory.pricing import PriceSuggestion, suggest_unit_price
from salesorders.exceptions import LineError, OrderAlreadyDoneError, OrderStateError


class _Unset:
    def __init__(self, name: str = "UNSET") -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNSET = _Unset()  # "leave as it is" / "the default" for optional arguments
STANDARD = _Unset("STANDARD")  # an extra line's tax: the standard rate, through the tax rules


class CreditPolicy(models.TextChoices):
    """What happens when an order would take its customer's exposure over the credit limit
    (SalesOrderSettings.credit_policy; Credit Control sets it)."""

    WARN = "warn", "Warn only"
    REQUIRE_APPROVAL = "approval", "Require Credit Control approval"
    BLOCK = "block", "Block"


class SalesOrderSettings(models.Model):
    """One row (pk=1): how order references are numbered (Managers) and the credit policy
    (Credit Control: `credit_salesordersettings`)."""

    reference_pattern = models.CharField(
        max_length=100,
        default="SO-{ref:04d}",
        help_text="Must contain {ref} (e.g. {ref:04d}); may contain text and {date:%Y}.",
    )
    # The highest number handed out so far; never goes down, so a deleted order's number
    # is not reused. Locked (select_for_update) while a new order takes its number.
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    # The revenue account of a new line whose part has none of its own (PartRevenueAccount).
    default_revenue_account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"type": "revenue", "active": True},
        help_text="For new lines whose part has no revenue account of its own.",
    )
    credit_policy = models.CharField(
        max_length=10,
        choices=CreditPolicy.choices,
        default=CreditPolicy.REQUIRE_APPROVAL,
        help_text="When an order would exceed its customer's credit limit.",
    )

    class Meta:
        verbose_name = "sales order settings"
        verbose_name_plural = "sales order settings"
        permissions = [("credit_salesordersettings", "Can set the credit policy")]

    def __str__(self) -> str:
        return "Sales order settings"

    def clean(self) -> None:
        from salesorders.numbering import validate_pattern

        try:
            validate_pattern(self.reference_pattern)
        except ValidationError as error:
            raise ValidationError({"reference_pattern": error.messages}) from None

    @classmethod
    def load(cls) -> "SalesOrderSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class OrderStatus(models.TextChoices):
    """The stored lifecycle status of a sales order (SalesOrder.Status)."""

    PENDING = "pending", "Pending"
    PENDING_APPROVAL = "pending_approval", "Pending Approval"
    ISSUED = "issued", "Issued"
    ON_HOLD = "on_hold", "On Hold"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.PENDING_APPROVAL,
    OrderStatus.ISSUED,
    OrderStatus.ON_HOLD,
)
# Orders whose uninvoiced value counts in their customer's credit exposure (the index
# `salesorder_customer_status` serves the sum).
CREDIT_STATUSES = (OrderStatus.PENDING_APPROVAL, OrderStatus.ISSUED, OrderStatus.ON_HOLD)
# Orders whose open lines wait for stock (the Backorders page and the allocation queue).
BACKORDER_STATUSES = (OrderStatus.ISSUED, OrderStatus.ON_HOLD)
# A line with something still to ship or cancel; the partial index `salesorderline_open`
# holds exactly these lines, so a query must spell the condition this way to use it.
OPEN_LINE = Q(quantity__gt=F("shipped_quantity") + F("cancelled_quantity"))
# A line with a remainder that no pending shipment has reserved stock for.
UNALLOCATED_LINE = Q(
    quantity__gt=F("shipped_quantity") + F("cancelled_quantity") + F("allocated_quantity")
)
# A line of a service part: delivered (Mark Delivered), never allocated, shipped or backordered.
SERVICE_LINE = Q(part_kind=PartKind.SERVICE)
# A line not invoiced in full: less invoiced than ordered and not cancelled.
UNINVOICED_LINE = Q(quantity__gt=F("invoiced_quantity") + F("cancelled_quantity"))
# A line shipped (or, a service, delivered) beyond what invoices bill of it.
SHIPPED_NOT_INVOICED_LINE = Q(shipped_quantity__gt=F("invoiced_quantity"))


class SalesOrderQuerySet(models.QuerySet):
    def open(self) -> "SalesOrderQuerySet":
        """Orders still in play: Pending, Pending Approval, Issued or On Hold."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None) -> "SalesOrderQuerySet":
        """Open orders whose target (ship-by) date is before today (company time zone) and
        that still have something to ship: a fully shipped order waiting for Complete Order
        (or one whose remainder was cancelled) is late for nobody.

        Served by the partial index `salesorder_open_target` (open orders by target date,
        with the stored `something_to_ship` and the base total in the index), so the list
        filter and the dashboard's sums read no order row and no line however many orders
        there are.
        SalesOrder.is_overdue() is the same rule for one order."""
        return self.open().filter(overdue_condition(today))

    def due_between(self, start, end) -> "SalesOrderQuerySet":
        """Open orders with a target date from `start` to `end`, both included."""
        return self.open().filter(target_date__gte=start, target_date__lte=end)

    def with_delivery_state(self) -> "SalesOrderQuerySet":
        """Annotate `delivery_state` (a SalesOrder.DeliveryState value), the rule over line
        quantities (delivery_state_of):
        - not_shipped: nothing shipped on any line (also: no lines at all);
        - shipped: something shipped and every line is done (shipped + cancelled >= ordered);
        - partially_shipped: something shipped and some line still has a remainder.
        An order whose lines were all cancelled without shipping stays "not_shipped".

        Read off the order's stored line flags (kept_line_flags, written in the statement of
        every change to its lines): `shipped_in_full` is Shipped, nothing left to ship
        otherwise is Not shipped, and only for an order with something left to ship does
        one subquery look for a shipped line (has_a_line). An aggregate over every line of
        every listed order cost more as orders grew (a 1,000-line order on the first page of
        the list)."""
        something_shipped = has_a_line(shipped_quantity__gt=0)
        return self.annotate(
            delivery_state=Case(
                When(shipped_in_full=True, then=Value(DeliveryState.SHIPPED.value)),
                When(something_to_ship=False, then=Value(DeliveryState.NOT_SHIPPED.value)),
                When(something_shipped, then=Value(DeliveryState.PARTIALLY_SHIPPED.value)),
                default=Value(DeliveryState.NOT_SHIPPED.value),
                output_field=models.CharField(),
            )
        )

    def with_allocation_status(self) -> "SalesOrderQuerySet":
        """Annotate `allocation_status` (an AllocationStatus value) from the open goods lines.

        One correlated subquery per order over its open lines (the partial index
        `salesorderline_open`): ready when no goods line needs more stock reserved (services
        need none), partial when some line has stock allocated, short when none has."""
        per_order = (
            SalesOrderLine.objects.filter(OPEN_LINE, order=OuterRef("pk"))
            .exclude(SERVICE_LINE)
            .order_by()
            .values("order")
            .annotate(
                needing=Count("pk", filter=UNALLOCATED_LINE),
                holding=Count("pk", filter=Q(allocated_quantity__gt=0)),
            )
            .annotate(
                state=Case(
                    When(needing=0, then=Value(AllocationStatus.READY.value)),
                    When(holding__gt=0, then=Value(AllocationStatus.PARTIAL.value)),
                    default=Value(AllocationStatus.SHORT.value),
                    output_field=models.CharField(),
                )
            )
            .values("state")
        )
        return self.annotate(
            allocation_status=Coalesce(
                Subquery(per_order, output_field=models.CharField()),
                Value(AllocationStatus.READY.value),
            )
        )

    def with_invoicing_state(self) -> "SalesOrderQuerySet":
        """Annotate `invoicing_state` (an InvoicingState value), the rule over line quantities,
        never amounts (invoicing_state_of):
        - not_invoiced: nothing invoiced on any line (also: no lines at all);
        - invoiced: something invoiced and every line's invoiced quantity reaches what is
          left of it after cancelling (ordered - cancelled);
        - partially_invoiced: something invoiced, some line not yet in full.
        Draft and posted invoices count; a voided invoice (its credit note) gives its
        quantities back, so an order whose invoice was voided is "not invoiced" again.

        Read off the stored `partially_invoiced` (kept_line_flags); otherwise one subquery
        for an invoiced line (has_a_line) tells Invoiced from Not invoiced."""
        something_invoiced = has_a_line(invoiced_quantity__gt=0)
        return self.annotate(
            invoicing_state=Case(
                When(
                    partially_invoiced=True,
                    then=Value(InvoicingState.PARTIALLY_INVOICED.value),
                ),
                When(something_invoiced, then=Value(InvoicingState.INVOICED.value)),
                default=Value(InvoicingState.NOT_INVOICED.value),
                output_field=models.CharField(),
            )
        )

    def invoicing_state(self, state: str) -> "SalesOrderQuerySet":
        """Orders in one InvoicingState (the list filter). Partially invoiced, the rare one,
        is the stored `partially_invoiced` (its partial index); the other two, most orders
        between them, are EXISTS tests over the lines."""
        if state == InvoicingState.PARTIALLY_INVOICED:
            return self.filter(partially_invoiced=True)
        invoiced = Exists(
            SalesOrderLine.objects.filter(order=OuterRef("pk"), invoiced_quantity__gt=0)
        )
        uninvoiced = Exists(SalesOrderLine.objects.filter(UNINVOICED_LINE, order=OuterRef("pk")))
        if state == InvoicingState.NOT_INVOICED:
            return self.filter(~invoiced)
        return self.filter(invoiced & ~uninvoiced)

    def shipped_not_invoiced(self) -> "SalesOrderQuerySet":
        """Accounts' work queue: orders (not cancelled) with a line shipped (or delivered)
        beyond what is invoiced: the stored `shipped_uninvoiced` (its partial index)."""
        return self.exclude(status=OrderStatus.CANCELLED).filter(shipped_uninvoiced=True)

    def ready_to_complete(self) -> "SalesOrderQuerySet":
        """Issued orders whose delivery state is Shipped (something shipped, every line
        shipped, delivered or its remainder cancelled): they wait only for Complete Order.
        The stored `shipped_in_full` (its partial index), so the count reads the few ready
        orders, not every Issued order's lines. SalesOrder.is_ready_to_complete() is the same
        rule for one order."""
        return self.filter(status=OrderStatus.ISSUED, shipped_in_full=True)

    def to_allocate(self) -> "SalesOrderQuerySet":
        """Issued orders with a goods line whose remainder no pending shipment has stock
        reserved for: the warehouse's allocation queue."""
        return self.filter(
            status=OrderStatus.ISSUED, pk__in=SalesOrderLine.objects.unallocated().values("order")
        )

    def approval_rejected(self) -> "SalesOrderQuerySet":
        """Pending orders whose latest approval round was rejected: back with their sales
        person, to change and submit again."""
        rejected = ApprovalRequest.objects.filter(
            content_type=ContentType.objects.get_for_model(SalesOrder),
            object_id=OuterRef("pk"),
            round=OuterRef("approval_round"),
            status=RequestStatus.REJECTED,
        )
        return self.filter(status=OrderStatus.PENDING, approval_round__gt=0).filter(
            Exists(rejected)
        )

    def for_list(self) -> "SalesOrderQuerySet":
        """What the order list shows, in one query: customer, delivery state, overdue."""
        return self.select_related("customer").with_delivery_state().with_invoicing_state()


def overdue_condition(today=None) -> Q:
    """SalesOrderQuerySet.overdue's test of an open order: past its target date (company time
    zone) with something still to ship. The dashboard's figures read the same test off the
    running totals (OrderDayTotal's day and to_ship)."""
    today = today or timezone.localdate()
    return Q(target_date__lt=today, something_to_ship=True)


def has_a_line(**conditions) -> IsNull:
    """The order (OuterRef "pk") has a line meeting `conditions`, for a page's annotations:
    the first such line's key is not null. A scalar subquery with LIMIT 1 runs for the rows
    shown only; PostgreSQL may run the same test written as EXISTS as one hashed pass over
    every line of every order (seen at 10,000 orders: 116 ms for a page of 25)."""
    lines = SalesOrderLine.objects.filter(order=OuterRef("pk"), **conditions)
    first = lines.order_by().values("pk")[:1]  # any one: no ordering to join for
    return IsNull(Subquery(first), False)


def kept_line_flags() -> dict:
    """The order's stored flags, as expressions over its lines (OuterRef "pk") for an UPDATE of
    the order: `salesorder_touch` and the totals update set them in the statement that bumps
    the version, after every change of line quantities (ordered, shipped, cancelled,
    invoiced), so they never need a query of their own.

    They are the derived states the work queues ask of every open order, stored so that a
    queue reads its few orders through a partial index instead of every order's lines:
    - something_to_ship: some line still has something to ship (overdue, is_overdue);
    - shipped_in_full: the delivery state is Shipped (with_delivery_state);
    - shipped_uninvoiced: some line is shipped beyond what is invoiced (Accounts' queue);
    - partially_invoiced: the invoicing state is Partially invoiced (with_invoicing_state).
    """
    lines = SalesOrderLine.objects.filter(order=OuterRef("pk"))
    something_shipped = Exists(lines.filter(shipped_quantity__gt=0))
    something_invoiced = Exists(lines.filter(invoiced_quantity__gt=0))
    to_ship = Exists(lines.filter(OPEN_LINE))
    return {
        "something_to_ship": to_ship,
        "shipped_in_full": Case(
            When(something_shipped & ~to_ship, then=Value(True)), default=Value(False)
        ),
        "shipped_uninvoiced": Exists(lines.filter(SHIPPED_NOT_INVOICED_LINE)),
        "partially_invoiced": Case(
            When(something_invoiced & Exists(lines.filter(UNINVOICED_LINE)), then=Value(True)),
            default=Value(False),
        ),
    }


def line_flags_of(lines) -> dict:
    """kept_line_flags over loaded lines (for rows written without the services: the data
    generator)."""
    lines = list(lines)
    invoiced = any(line.invoiced_quantity > 0 for line in lines)
    return {
        "something_to_ship": any(line.remaining_quantity > 0 for line in lines),
        "shipped_in_full": delivery_state_of(lines) == DeliveryState.SHIPPED,
        "shipped_uninvoiced": any(line.shipped_quantity > line.invoiced_quantity for line in lines),
        "partially_invoiced": invoiced
        and any(line.quantity > line.invoiced_quantity + line.cancelled_quantity for line in lines),
    }


class DeliveryState(models.TextChoices):
    """Derived from line quantities (see with_delivery_state); only "Shipped" is also
    stored, as `shipped_in_full`, for the ready-to-complete queue (kept_line_flags)."""

    NOT_SHIPPED = "not_shipped", "Not shipped"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"


class InvoicingState(models.TextChoices):
    """Derived from line quantities (invoiced against ordered less cancelled), never from
    amounts (see with_invoicing_state); only "Partially invoiced" is also stored, as
    `partially_invoiced`, for the list filter (kept_line_flags)."""

    NOT_INVOICED = "not_invoiced", "Not invoiced"
    PARTIALLY_INVOICED = "partially_invoiced", "Partially invoiced"
    INVOICED = "invoiced", "Invoiced"


def invoicing_state_of(lines) -> str:
    """The same rule as SalesOrderQuerySet.with_invoicing_state, over loaded lines."""
    lines = list(lines)
    if sum((line.invoiced_quantity for line in lines), ZERO) <= 0:
        return InvoicingState.NOT_INVOICED
    if all(line.invoiced_quantity + line.cancelled_quantity >= line.quantity for line in lines):
        return InvoicingState.INVOICED
    return InvoicingState.PARTIALLY_INVOICED


class FulfilmentState(models.TextChoices):
    """Can a line's remainder go out now? Derived, never stored (see with_fulfilment)."""

    AVAILABLE = "available", "Available"  # free stock covers what is not yet allocated
    NOT_AVAILABLE = "not_available", "Not available"
    COMPLETE = "complete", "Complete"  # shipped (delivered) or cancelled in full


class AllocationStatus(models.TextChoices):
    """How much of a line's (an order's) remainder has stock reserved. Derived, never stored
    (see SalesOrderLineQuerySet.with_fulfilment, SalesOrderQuerySet.with_allocation_status)."""

    READY = "ready", "Ready"  # fully allocated, or nothing to allocate (services, done lines)
    PARTIAL = "partial", "Partial"  # some stock allocated, not all
    SHORT = "short", "Short"  # nothing allocated yet


def delivery_state_of(lines) -> str:
    """The same rule as SalesOrderQuerySet.with_delivery_state, over loaded lines."""
    lines = list(lines)
    shipped = sum((line.shipped_quantity for line in lines), ZERO)
    if shipped <= 0:
        return DeliveryState.NOT_SHIPPED
    if all(line.shipped_quantity + line.cancelled_quantity >= line.quantity for line in lines):
        return DeliveryState.SHIPPED
    return DeliveryState.PARTIALLY_SHIPPED


@dataclass(frozen=True)
class Transition:
    """One move of the order lifecycle, and everything its callers need to know about it.

    The services check `sources` and refuse with `verb` in the sentence; the order page shows
    `label` as a button to users with `permission`, posting to `url_name` (with a reason box
    when `asks_reason`); with `confirm`, the button opens a confirmation step first (the
    `salesorders:confirm` page, a dialog where JavaScript runs) that asks for the reason and
    says `confirm_text`; `in_menu` puts it under the toolbar's More menu. The admin builds
    one action per entry. Read through SalesOrder.TRANSITIONS, never spelled again elsewhere.
    """

    action: str  # "issue": the admin action is "<action>_orders"
    sources: frozenset  # statuses it may start from
    target: str  # the status it leads to
    verb: str  # "SO-0001 issued.", "... so it cannot be issued"
    label: str  # the button: "Issue Order"
    permission: str  # "app_label.codename" a user needs to see and use it
    url_name: str  # where its button posts (args: the order's pk)
    asks_reason: bool = False  # a reason (or note) is posted with it
    reason_required: bool = False
    reason_label: str = ""  # the reason box's accessible name
    reason_placeholder: str = ""
    button_style: str = "primary"  # Bootstrap's btn-<style>
    confirm: bool = False  # asks "are you sure" (and the reason) on a step of its own
    confirm_text: str = ""  # what the confirmation step says happens
    in_menu: bool = False  # under the toolbar's More menu, not a button of its own
    # An approval decision: shown only to whoever may decide the current step (with the
    # step), on the order's approval card and the Approvals page, not in the toolbar.
    decision: bool = False
    # Runs the credit check (under the customer's lock): over the limit, the user sees the
    # warning first and acknowledges it (the confirmation step), or is refused.
    credit_checked: bool = False

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class OrderFacts:
    """What the lifecycle rules need to know about an order besides its status."""

    line_count: int
    shipped_anything: bool
    delivery_state: str
    has_pending_shipment: bool
    customer_active: bool
    # SKUs of service lines not yet delivered in full (what Complete Order waits for).
    undelivered_services: tuple[str, ...] = ()
    # Some approval rule matches (or the credit policy asks Credit Control): Submit for
    # Approval instead of Issue Order. Only known for orders not issued yet.
    needs_approval: bool = False
    approval_reasons: tuple[str, ...] = ()


def _transitions(*transitions: Transition) -> dict[str, Transition]:
    return {transition.action: transition for transition in transitions}


class SalesOrder(models.Model):
    Status = OrderStatus
    DeliveryState = DeliveryState
    InvoicingState = InvoicingState
    Facts = OrderFacts
    Transition = Transition

    # The lifecycle as data, in the order its buttons show. Checked in one place:
    # transition_refusal(). Cancel posts to shipping, which releases the order's reservations
    # and deletes its pending shipments before the order's status changes.
    TRANSITIONS = _transitions(
        Transition(
            action="submit",
            # From On Hold only when it was held before it was ever issued.
            sources=frozenset({Status.PENDING, Status.ON_HOLD}),
            target=Status.PENDING_APPROVAL,
            verb="submitted for approval",
            label="Submit for Approval",
            permission="salesorders.change_salesorder",
            url_name="salesorders:submit",
            credit_checked=True,
        ),
        Transition(
            action="issue",
            sources=frozenset({Status.PENDING}),
            target=Status.ISSUED,
            verb="issued",
            label="Issue Order",
            permission="salesorders.change_salesorder",
            url_name="salesorders:issue",
            credit_checked=True,
        ),
        Transition(
            action="approve",
            sources=frozenset({Status.PENDING_APPROVAL}),
            # Where the last step's approval leads; an earlier step's keeps it waiting.
            target=Status.ISSUED,
            verb="approved",
            label="Approve",
            permission="approvals.add_approvaldecision",
            url_name="salesorders:approve",
            button_style="success",
            decision=True,
        ),
        Transition(
            action="reject",
            sources=frozenset({Status.PENDING_APPROVAL}),
            target=Status.PENDING,
            verb="rejected",
            label="Reject",
            permission="approvals.add_approvaldecision",
            url_name="salesorders:reject",
            asks_reason=True,
            reason_required=True,
            reason_label="Why it is rejected",
            reason_placeholder="Reason (required)",
            button_style="outline-danger",
            decision=True,
        ),
        Transition(
            action="hold",
            sources=frozenset({Status.PENDING, Status.ISSUED}),
            target=Status.ON_HOLD,
            verb="put on hold",
            label="Hold Order",
            permission="salesorders.change_salesorder",
            url_name="salesorders:hold",
            asks_reason=True,
            reason_required=True,
            reason_label="Reason for the hold",
            reason_placeholder="Reason for the hold",
            button_style="outline-warning",
            confirm=True,
            confirm_text="Nothing can be allocated or shipped until the order is released.",
            in_menu=True,
        ),
        Transition(
            action="release",
            sources=frozenset({Status.ON_HOLD}),
            target=Status.ISSUED,
            verb="released",
            label="Release",
            permission="salesorders.change_salesorder",
            url_name="salesorders:release",
            credit_checked=True,
            asks_reason=True,
            reason_label="Note on the release",
            reason_placeholder="Note (optional)",
        ),
        Transition(
            action="complete",
            sources=frozenset({Status.ISSUED}),
            target=Status.COMPLETE,
            verb="completed",
            label="Complete Order",
            permission="salesorders.complete_salesorder",
            url_name="salesorders:complete",
            confirm=True,
            confirm_text="A complete order is read-only: its lines can no longer change.",
        ),
        Transition(
            action="cancel",
            sources=frozenset(
                {Status.PENDING, Status.PENDING_APPROVAL, Status.ISSUED, Status.ON_HOLD}
            ),
            target=Status.CANCELLED,
            verb="cancelled",
            label="Cancel Order",
            permission="salesorders.cancel_salesorder",
            url_name="shipping:salesorder-cancel",
            asks_reason=True,
            reason_label="Reason for cancelling",
            reason_placeholder="Reason (optional)",
            button_style="outline-danger",
            confirm=True,
            confirm_text=(
                "The stock reserved for the order is released and its pending shipments are "
                "deleted. A cancelled order cannot be reopened."
            ),
            in_menu=True,
        ),
    )

    reference = models.CharField(max_length=50, unique=True)
    reference_number = models.PositiveIntegerField(db_index=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sales_orders")
    customer_name = models.CharField(max_length=200, editable=False)
    customer_reference = models.CharField("customer PO number", max_length=100, blank=True)
    description = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    order_date = models.DateField(default=timezone.localdate)
    target_date = models.DateField("target (ship-by) date", null=True, blank=True)
    requested_delivery_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    ship_to = models.TextField("ship-to address", blank=True)
    bill_to = models.TextField("bill-to address", blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="sales_orders"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sales_orders",
    )
    priority = models.SmallIntegerField(default=0, help_text="Higher is allocated first.")
    notes = models.TextField(blank=True)
    hold_reason = models.CharField(max_length=250, blank=True)

    # "Anything a reader of this order can see changed": its header, lines, totals, status,
    # the allocations and shipments of its lines, (later) its invoices. Every such change, in
    # whichever app makes it, calls salesorders.services.salesorder_touch (or
    # _refresh_totals) in its transaction, which increments it. Edit forms and API writes
    # carry the version they read and a stale one is refused; ETags and the calendar feed's
    # SEQUENCE are built on it.
    version = models.PositiveIntegerField(default=1, editable=False)

    # The rate to the base currency, frozen at the order date (see accounting.selectors
    # .exchange_rate_for): one unit of `currency` is worth `currency_rate` base units.
    currency_rate = models.DecimalField(**RATE, default=Decimal("1"), editable=False)
    currency_rate_source = models.CharField(
        "rate source",
        max_length=10,
        choices=RateSource.choices,
        default=RateSource.BASE,
        editable=False,
    )
    currency_rate_date = models.DateField("rate date", null=True, blank=True, editable=False)
    # Copied from the customer when the order is made (or its customer changed).
    tax_treatment = models.CharField(
        max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC, editable=False
    )
    tax_country = models.CharField(
        "tax country", max_length=2, choices=country_code_choices, blank=True, editable=False
    )
    customer_tax_number = models.CharField(
        "customer VAT number", max_length=50, blank=True, editable=False
    )
    payment_terms_kind = models.CharField(
        "payment terms",
        max_length=12,
        choices=PaymentTermsKind.choices,
        default=PaymentTermsKind.NET,
    )
    payment_terms_days = models.PositiveSmallIntegerField("payment terms (days)", default=30)
    prices_include_tax = models.BooleanField(
        "prices include tax",
        default=False,
        help_text="Unit prices are gross; the tax is computed back out of each line.",
    )
    # The order discount: an amount or a percent of the lines, spread over them for tax.
    discount_percent = models.DecimalField(
        "order discount %", max_digits=5, decimal_places=2, default=ZERO
    )
    discount_amount = models.DecimalField("order discount amount", **MONEY, default=ZERO)

    # Stored totals, kept right in the transaction of every line change. subtotal is net,
    # after the order discount: lines_subtotal + extras_subtotal - discount_total.
    lines_subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    extras_subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    discount_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    # The same in the base currency, at currency_rate (what lists, limits and reports sum).
    base_subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    base_tax_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    base_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    # What invoices (draft or posted, not voided) bill of base_total: kept by invoicing through
    # salesorders' services. The credit exposure of an open order is base_total minus this.
    invoiced_base_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    line_count = models.PositiveIntegerField(default=0, editable=False)
    # The latest approval round (0: never submitted), so the page asks for rounds only then;
    # approved_at: when the last one passed (cleared when a change sends the order back).
    approval_round = models.PositiveSmallIntegerField(default=0, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # Not indexed: every change bumps version, updated_at and updated_by, and a row update that
    # touches no indexed column stays in place (a HOT update on PostgreSQL) instead of leaving
    # a dead version behind in each of the table's indexes.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    # Derived from the lines, stored for the work queues (overdue, ready to complete, shipped
    # not invoiced, partially invoiced): kept by salesorder_touch (kept_line_flags). An
    # instance in memory does not see them change: read them from the database.
    something_to_ship = models.BooleanField(default=False, editable=False)
    shipped_in_full = models.BooleanField(default=False, editable=False)
    shipped_uninvoiced = models.BooleanField(default=False, editable=False)
    partially_invoiced = models.BooleanField(default=False, editable=False)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SalesOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-reference_number", "-pk"]
        indexes = [
            models.Index(fields=["status", "target_date"], name="salesorder_status_target"),
            models.Index(fields=["customer", "-order_date"], name="salesorder_customer_date"),
            # The credit exposure: one sum over a customer's orders in CREDIT_STATUSES.
            models.Index(fields=["customer", "status"], name="salesorder_customer_status"),
            # By target date, then reference: the calendar reads each date's first orders
            # (order_calendar.selectors.month_orders) a few index entries each.
            models.Index(fields=["target_date", "reference_number"], name="salesorder_target_ref"),
            models.Index(fields=["total"], name="salesorder_total"),
            # Overdue (SalesOrderQuerySet.overdue): the open orders by target date, read by
            # the list's "overdue only" whatever the closed ones number.
            models.Index(
                fields=["target_date"],
                include=["something_to_ship", "base_total", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="salesorder_open_target",
            ),
            models.Index(fields=["base_total", "id"], name="salesorder_base_total"),
            models.Index(
                fields=["-priority", "target_date", "reference"],
                condition=Q(status__in=BACKORDER_STATUSES),
                name="salesorder_backorder_queue",
            ),
            # The same orders by primary key: joined with their open lines (Backorders and its
            # capped count) a merge reads these orders alone, not every order since the first.
            models.Index(
                fields=["id"],
                condition=Q(status__in=BACKORDER_STATUSES),
                name="salesorder_backorder_ids",
            ),
            # The stored work-queue flags (kept_line_flags): each index holds only the few
            # orders in its queue, newest first as the list shows them.
            models.Index(
                fields=["-reference_number"],
                condition=Q(status=OrderStatus.ISSUED, shipped_in_full=True),
                name="salesorder_ready_to_complete",
            ),
            models.Index(
                fields=["-reference_number"],
                condition=Q(shipped_uninvoiced=True) & ~Q(status=OrderStatus.CANCELLED),
                name="salesorder_shipped_uninvoiced",
            ),
            models.Index(
                fields=["-reference_number"],
                condition=Q(partially_invoiced=True),
                name="salesorder_partially_invoiced",
            ),
        ]
        permissions = [
            ("cancel_salesorder", "Can cancel sales orders"),
            ("complete_salesorder", "Can complete sales orders"),
            ("change_rate_salesorder", "Can change the exchange rate of sales orders"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__isnull=True) | Q(target_date__gte=F("order_date")),
                name="salesorder_target_not_before_order_date",
                violation_error_message="The target date cannot be before the order date.",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(base_total__gte=0),
                name="salesorder_total_not_negative",
                violation_error_message="An order's total cannot go below zero.",
            ),
            models.CheckConstraint(
                condition=Q(currency_rate__gt=0) & Q(currency_rate__lte=1000000),
                name="salesorder_currency_rate_positive_and_sane",
                violation_error_message="An exchange rate must be above 0 and at most 1,000,000.",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0)
                & Q(discount_percent__lte=100)
                & Q(discount_amount__gte=0)
                & (Q(discount_percent=0) | Q(discount_amount=0)),
                name="salesorder_discount_amount_or_percent",
                violation_error_message=(
                    "An order discount is an amount or a percent (0 to 100), not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return url_by_pk("salesorders:detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_read_only(self) -> bool:
        """Complete and Cancelled orders cannot be changed anywhere, the admin included."""
        return self.status in (self.Status.COMPLETE, self.Status.CANCELLED)

    def can_edit(self) -> bool:
        """Its header, lines and extra lines may be changed: it is not Complete or Cancelled."""
        return not self.is_read_only

    def can_ship(self) -> bool:
        """Stock may be allocated to it, shipments opened and completed: it is Issued."""
        return self.status == self.Status.ISSUED

    def can_cancel_remaining(self) -> bool:
        """Its lines' unshipped rest may be cancelled: it is Issued or On Hold (a Pending
        order's lines are edited or removed instead)."""
        return self.status in BACKORDER_STATUSES

    def is_pending(self) -> bool:
        """Not issued yet: customer and currency may still change."""
        return self.status == self.Status.PENDING

    def is_on_hold(self) -> bool:
        return self.status == self.Status.ON_HOLD

    def is_pending_approval(self) -> bool:
        return self.status == self.Status.PENDING_APPROVAL

    def is_unissued(self) -> bool:
        """Never issued yet: Pending, Pending Approval, or held before it was issued (where
        the approval gate decides between Submit for Approval and Issue Order)."""
        return self.status in (self.Status.PENDING, self.Status.PENDING_APPROVAL) or (
            self.status == self.Status.ON_HOLD and self.issued_at is None
        )

    @property
    def counts_in_exposure(self) -> bool:
        """Its uninvoiced value is in its customer's credit exposure already."""
        return self.status in CREDIT_STATUSES

    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def can_send_confirmation(self) -> bool:
        """Its confirmation may be emailed to the customer: it is not Cancelled."""
        return not self.is_cancelled()

    @property
    def confirmation_recipient(self) -> str:
        """Where its confirmation goes: the order's contact's email, else the customer's."""
        contact_email = self.contact.email if self.contact_id else ""
        return contact_email or self.customer.email

    @property
    def base_currency(self) -> str:
        return base_currency()

    @property
    def in_base_currency(self) -> bool:
        return self.currency == base_currency()

    @property
    def due_date(self):
        """When payment is due: the payment terms counted from the order date."""
        return due_date(self.payment_terms_kind, self.payment_terms_days, self.order_date)

    def payment_terms_text(self) -> str:
        return payment_terms_text(self.payment_terms_kind, self.payment_terms_days)

    @property
    def has_order_discount(self) -> bool:
        return bool(self.discount_percent or self.discount_amount)

    def is_overdue(self, today=None) -> bool:
        """SalesOrderQuerySet.overdue's rule for this order: open, past its target date and
        something still to ship, as the order's stored `something_to_ship` says (kept_line_flags:
        written in the statement of every change to its lines), so it costs no query."""
        today = today or timezone.localdate()
        if not (self.is_open and self.target_date and self.target_date < today):
            return False
        return self.something_to_ship

    def is_ready_to_complete(self, facts: OrderFacts) -> bool:
        """SalesOrderQuerySet.ready_to_complete's rule for this order: Issued and its
        delivery state Shipped, so only Complete Order is left to do."""
        return self.status == self.Status.ISSUED and facts.delivery_state == DeliveryState.SHIPPED

    def transition_refusal(self, action: str, facts: OrderFacts) -> str | None:
        """Why `action` is not allowed now, as a sentence; None when it is allowed."""
        if action not in self.TRANSITIONS:
            return f"There is no action {action!r} for a sales order."
        transition = self.TRANSITIONS[action]
        verb = transition.verb
        if self.status not in transition.sources:
            allowed = " or ".join(sorted(str(self.Status(s).label) for s in transition.sources))
            return (
                f"{self.reference} is {self.get_status_display()}, so it cannot be {verb}; "
                f"only {allowed} orders can."
            )
        if action == "submit" and self.status == self.Status.ON_HOLD and self.issued_at:
            return (
                f"{self.reference} was issued before it was put on hold; release it instead "
                "of submitting it."
            )
        needs_issue_rules = action in ("issue", "submit") or (
            action == "release" and not self.issued_at
        )
        if needs_issue_rules:
            if facts.line_count == 0:
                return f"{self.reference} has no lines; add a line item before issuing it."
            if not facts.customer_active:
                return (
                    f"{self.customer_name} is inactive, so {self.reference} cannot be {verb}; "
                    "reactivate the customer first."
                )
            if action == "submit" and not facts.needs_approval:
                return (
                    f"{self.reference} matches no approval rule, so it needs no approval; "
                    "issue it instead."
                )
            if action != "submit" and facts.needs_approval:
                why = " ".join(facts.approval_reasons)
                return (
                    f"{self.reference} needs approval before it is {verb}"
                    f"{f' ({why})' if why else ''}; use Submit for Approval."
                )
        if action == "complete":
            if facts.undelivered_services:
                return (
                    f"{self.reference} cannot be completed until its service lines are "
                    f"delivered ({', '.join(facts.undelivered_services)}): use Mark Delivered, "
                    "or Cancel Remaining for a service that will not be given."
                )
            if facts.delivery_state != DeliveryState.SHIPPED:
                return (
                    f"{self.reference} cannot be completed until every line is shipped "
                    "or its remainder cancelled."
                )
            if facts.has_pending_shipment:
                return (
                    f"{self.reference} has a pending shipment; complete or delete it before "
                    "completing the order."
                )
        if action == "cancel" and facts.shipped_anything:
            return (
                f"{self.reference} has shipped goods, so it cannot be cancelled; use Cancel "
                "Remaining on its lines instead."
            )
        return None

    def allows(self, action: str, facts: OrderFacts) -> bool:
        """Whether `action` may run now (whoever asks; permissions are the caller's)."""
        return self.transition_refusal(action, facts) is None

    def allowed_transitions(self, facts: OrderFacts) -> list[Transition]:
        """The table's entries that may run now, in the table's order."""
        return [t for t in self.TRANSITIONS.values() if self.allows(t.action, facts)]

    def already_done(self, action: str) -> str | None:
        """The sentence for `action` asked again of an order that already is where it leads
        ("SO-0001 was already cancelled on 02 Dec 2026."): a double-clicked button or a second
        tab, not a mistake. None when the order is not there yet."""
        transition = self.TRANSITIONS.get(action)
        if transition is None or self.status != transition.target:
            return None
        if self.status in transition.sources:
            return None
        if action in ("approve", "reject", "submit"):
            return None  # the approval round, not the status, says whether it was decided
        when = {
            "issue": self.issued_at,
            "complete": self.completed_at,
            "cancel": self.cancelled_at,
        }.get(action)
        on = f" on {timezone.localtime(when):%d %b %Y}" if when else ""
        return f"{self.reference} was already {transition.verb}{on}."

    def require_transition(self, action: str, facts: OrderFacts) -> Transition:
        """The table's entry for `action`; raises OrderAlreadyDoneError when the order already
        is where it leads (already_done()), OrderStateError with the sentence of
        transition_refusal() when it is not allowed now."""
        already = self.already_done(action)
        if already:
            raise OrderAlreadyDoneError(already)
        refusal = self.transition_refusal(action, facts)
        if refusal:
            raise OrderStateError(refusal)
        return self.TRANSITIONS[action]

    def get_allocation_status_display(self) -> str:
        """ "Allocation: Ready" from the annotated status (see with_allocation_status)."""
        status = getattr(self, "allocation_status", None) or AllocationStatus.READY
        return f"Allocation: {AllocationStatus(status).label}"

    def get_delivery_state_display(self) -> str:
        """Label of the annotated delivery state (see SalesOrderQuerySet.with_delivery_state)."""
        state = getattr(self, "delivery_state", None) or DeliveryState.NOT_SHIPPED
        return DeliveryState(state).label

    def get_invoicing_state_display(self) -> str:
        """Label of the annotated invoicing state (see with_invoicing_state)."""
        state = getattr(self, "invoicing_state", None) or InvoicingState.NOT_INVOICED
        return InvoicingState(state).label


def apply_tax(line, tax_rate: "TaxRate | TaxCharge | None", *, overridden: bool) -> None:
    """Snapshot onto a line or extra line the tax it is charged: a TaxCharge (what the tax
    rules chose: rate, name, percent, rule and note) or a TaxRate given by hand (None:
    untaxed)."""
    charge = tax_rate if isinstance(tax_rate, TaxCharge) else None
    if charge is None:
        charge = TaxCharge(tax_rate, tax_rate.name, tax_rate.percent) if tax_rate else None
    line.tax_rate = charge.tax_rate if charge else None
    line.tax_name = charge.name if charge else ""
    line.tax_percent = charge.percent if charge else ZERO
    line.tax_rule = charge.rule if charge else None
    line.tax_note = charge.note if charge else ""
    if hasattr(line, "tax_overridden"):
        line.tax_overridden = overridden


def check_amount(line) -> None:
    """Refuse a line (or extra line) whose amount a stored money field cannot hold."""
    if abs(line.total) > MAX_AMOUNT or abs(line.subtotal) > MAX_AMOUNT:
        raise LineError(
            {
                "quantity": (
                    f"{line.quantity.normalize():f} x {line.unit_price.normalize():f} comes to "
                    f"{line.total:,}, more than a line can hold ({MAX_AMOUNT:,}); "
                    "lower the quantity or the unit price."
                )
            }
        )


class SalesOrderLineQuerySet(models.QuerySet):
    def open(self) -> "SalesOrderLineQuerySet":
        """Lines with something still to ship or cancel (served by the partial index
        `salesorderline_open`, which holds exactly these lines)."""
        return self.filter(OPEN_LINE)

    def goods(self) -> "SalesOrderLineQuerySet":
        """Lines of stock parts: allocated from stock and shipped."""
        return self.exclude(SERVICE_LINE)

    def services(self) -> "SalesOrderLineQuerySet":
        """Lines of service parts: delivered with Mark Delivered, never allocated."""
        return self.filter(SERVICE_LINE)

    def unallocated(self) -> "SalesOrderLineQuerySet":
        """Goods lines with a remainder that no pending shipment has stock reserved for
        (service lines need no stock)."""
        return self.filter(UNALLOCATED_LINE).goods()

    def backordered(self) -> "SalesOrderLineQuerySet":
        """Open goods lines of orders waiting for stock (Issued or On Hold), unallocated or
        not: the Backorders page and the allocation queue. Service lines are never
        backorders."""
        return self.open().goods().filter(order__status__in=BACKORDER_STATUSES)

    def with_fulfilment(self) -> "SalesOrderLineQuerySet":
        """Annotate `part_available` (the part's free stock: OK, unexpired, not allocated),
        `fulfilment_state` (a FulfilmentState value) and `allocation_status` (an
        AllocationStatus value), in the same query: one correlated subquery over the part's
        stock items per line, whatever the number of lines.

        complete: nothing left to ship or deliver; available: a service line, or the part's
        free stock covers the line's unallocated remainder; else not_available. ready: nothing
        left to allocate (fully allocated, a service, or done); partial: some allocated;
        short: nothing allocated."""
        done = ~OPEN_LINE
        unallocated = F("quantity") - F("shipped_quantity") - F("cancelled_quantity")
        unallocated = unallocated - F("allocated_quantity")
        return self.annotate(part_available=available_stock("part")).annotate(
            fulfilment_state=Case(
                When(done, then=Value(FulfilmentState.COMPLETE.value)),
                When(SERVICE_LINE, then=Value(FulfilmentState.AVAILABLE.value)),
                When(
                    Q(part_available__gte=unallocated),
                    then=Value(FulfilmentState.AVAILABLE.value),
                ),
                default=Value(FulfilmentState.NOT_AVAILABLE.value),
                output_field=models.CharField(),
            ),
            allocation_status=Case(
                When(
                    done | SERVICE_LINE | ~UNALLOCATED_LINE,
                    then=Value(AllocationStatus.READY.value),
                ),
                When(allocated_quantity__gt=0, then=Value(AllocationStatus.PARTIAL.value)),
                default=Value(AllocationStatus.SHORT.value),
                output_field=models.CharField(),
            ),
        )


class PriceSource(models.TextChoices):
    """Where a line's unit price came from (SalesOrderLine.PriceSource)."""

    LIST = "list", "List price"
    BREAK = "break", "Price break"
    PRICE_LIST = "price_list", "Price list"
    CONVERSION = "conversion", "Converted"
    MANUAL = "manual", "Manual"


class SalesOrderLine(models.Model):
    PriceSource = PriceSource

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="sales_order_lines")
    # Snapshots: renaming the part never changes an old order.
    part_name = models.CharField(max_length=200)
    part_sku = models.CharField("SKU", max_length=50)
    unit = models.CharField(max_length=10)
    # Stock or service, as the part was when the line was added (PartKind).
    part_kind = models.CharField(
        "type", max_length=10, choices=PartKind.choices, default=PartKind.STOCK
    )
    quantity = models.DecimalField(**QUANTITY)
    list_unit_price = models.DecimalField(**UNIT_PRICE, default=ZERO)
    unit_price = models.DecimalField(**UNIT_PRICE)
    price_source = models.CharField(
        max_length=10, choices=PriceSource.choices, default=PriceSource.LIST
    )
    # What the user reads: "List price", "Price break: min qty 10" or "Manual".
    price_source_label = models.CharField(max_length=100, blank=True, default="List price")
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    tax_overridden = models.BooleanField(default=False)
    tax_rule = models.ForeignKey(
        TaxRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_note = models.CharField(max_length=300, blank=True)
    # Where the line's amount is booked: the part's default (PartRevenueAccount, else the
    # settings' default) when the line is added, changeable per line. Invoicing copies it and
    # the dimension values onto the invoice line.
    revenue_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dimension_values = models.ManyToManyField(
        DimensionValue, through="SalesOrderLineDimension", related_name="+", blank=True
    )
    target_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # Maintained by services only (shipping, Cancel Remaining).
    shipped_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    cancelled_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    allocated_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    # On draft and posted invoices (not voided ones): kept by invoicing through salesorders'
    # services, so two drafts cannot bill the same goods.
    invoiced_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    # A service line's delivery (Mark Delivered): the quantity counts in shipped_quantity, so
    # the delivery state, Complete Order and invoicing read it like goods shipped.
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_by = user_stamp()
    # Stored amounts, rounded half-up to 2 dp. subtotal is net before the order discount,
    # order_discount this line's (net) share of it; tax and total are after it.
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    order_discount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)

    objects = SalesOrderLineQuerySet.as_manager()

    class Meta:
        ordering = ["order", "sort_order", "pk"]
        indexes = [
            models.Index(fields=["order"], condition=OPEN_LINE, name="salesorderline_open"),
            # The invoicing-state filters: few lines are not yet invoiced in full, or shipped
            # beyond their invoices, whatever the number of invoiced orders.
            models.Index(
                fields=["order"], condition=UNINVOICED_LINE, name="salesorderline_uninvoiced"
            ),
            models.Index(
                fields=["order"],
                condition=SHIPPED_NOT_INVOICED_LINE,
                name="salesorderline_to_invoice",
            ),
        ]
        permissions = [("deliver_salesorderline", "Can mark service lines delivered")]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "part"],
                name="one_line_per_part_per_order",
                violation_error_message="This part is already on the order.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="salesorderline_quantity_positive",
                violation_error_message="The quantity must be above zero.",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="salesorderline_discount_0_to_100",
                violation_error_message="A discount is between 0 and 100 percent.",
            ),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0)
                & Q(cancelled_quantity__gte=0)
                & Q(allocated_quantity__gte=0)
                & Q(
                    quantity__gte=F("shipped_quantity")
                    + F("cancelled_quantity")
                    + F("allocated_quantity")
                ),
                name="salesorderline_shipped_cancelled_allocated_within_quantity",
                violation_error_message=(
                    "Shipped, cancelled and allocated together cannot exceed the ordered quantity."
                ),
            ),
            models.CheckConstraint(
                condition=Q(invoiced_quantity__gte=0) & Q(quantity__gte=F("invoiced_quantity")),
                name="salesorderline_invoiced_within_quantity",
                violation_error_message="More cannot be invoiced than was ordered.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.part_sku} x {self.quantity.normalize()}"

    @classmethod
    def from_part(
        cls,
        *,
        order: "SalesOrder",
        part: Part,
        quantity: Decimal,
        unit_price: Decimal | None = None,
        discount_percent: Decimal = ZERO,
        tax_rate=UNSET,
        suggestion: PriceSuggestion | None = None,
        target_date=None,
        notes: str = "",
        sort_order: int = 0,
        revenue_account: Account | None = None,
    ) -> "SalesOrderLine":
        """The one snapshot constructor: an unsaved line of `part` on `order`.

        Copies the part's name, SKU, unit and type (stock or service); taxes it at `tax_rate`
        (a TaxCharge the tax rules chose, a TaxRate chosen by hand, None: untaxed; UNSET: the
        part's default rate); prices it for `quantity` at `suggestion` (the order's price in
        its currency; None: the part's base price breaks) unless `unit_price` differs from it
        (a manual override), grossed up by the tax on an order whose prices include tax;
        stores the rounded amounts. Reads `part.price_breaks.all()` and
        `part.default_tax_rate`: prefetch them to build many lines without a query each.
        `revenue_account` is the account the line books to (the services pass the part's
        default: selectors.revenue_account_for). Raises LineError when an amount is too large
        to store."""
        line = cls(
            order=order,
            part=part,
            part_name=part.name,
            part_sku=part.sku,
            unit=part.unit,
            part_kind=part.kind,
            quantity=quantity,
            discount_percent=discount_percent,
            target_date=target_date,
            notes=notes,
            sort_order=sort_order,
            revenue_account=revenue_account,
        )
        if tax_rate is UNSET:
            line.apply_tax(part.default_tax_rate, overridden=False)
        elif isinstance(tax_rate, TaxCharge):
            line.apply_tax(tax_rate, overridden=False)
        else:
            line.apply_tax(tax_rate, overridden=tax_rate != part.default_tax_rate)
        line.apply_price(part, unit_price, suggestion=suggestion)
        line.apply_amounts()
        return line

    def apply_price(
        self, part: Part, unit_price: Decimal | None, *, suggestion: PriceSuggestion | None = None
    ) -> None:
        """Set the unit price: the suggestion for the line's quantity unless a price is given
        that differs from it (then it is a manual override). On an order whose prices include
        tax the suggestion (net) is grossed up at the line's tax percent, to 4 places. Reads
        self.order (cached on lines built or locked by the services)."""
        suggestion = suggestion or suggest_unit_price(part, self.quantity)
        suggested = suggestion.unit_price
        if self.order.prices_include_tax and self.tax_percent:
            suggested = (suggested * (100 + self.tax_percent) / 100).quantize(UNIT_PRICE_STEP)
        self.list_unit_price = part.list_price
        if unit_price is None or unit_price == suggested:
            self.unit_price = suggested
            self.price_source = suggestion.source
            self.price_source_label = suggestion.label
        else:
            self.unit_price = unit_price
            self.price_source = self.PriceSource.MANUAL
            self.price_source_label = self.PriceSource.MANUAL.label

    @property
    def price_overridden(self) -> bool:
        """Someone typed the price: it no longer follows the part's list price and breaks."""
        return self.price_source == self.PriceSource.MANUAL

    def apply_tax(self, tax_rate: "TaxRate | TaxCharge | None", *, overridden: bool) -> None:
        """Snapshot the tax charged: name, percent, rule and note (None: untaxed)."""
        apply_tax(self, tax_rate, overridden=overridden)

    def apply_amounts(self, order_discount: Decimal = ZERO) -> None:
        """Store subtotal, order discount share, tax and total from quantity, price, discount
        and tax percent (core.numbers.gross_line_amounts; prices as the order enters them)."""
        self.subtotal, self.order_discount, self.tax_amount, self.total = gross_line_amounts(
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount_percent=self.discount_percent,
            tax_percent=self.tax_percent,
            prices_include_tax=self.order.prices_include_tax,
            order_discount=order_discount,
        )
        check_amount(self)

    @property
    def entered_amount(self) -> Decimal:
        """What the line comes to before the order discount, in its prices as entered (net,
        or gross on an order whose prices include tax): the weight of its discount share."""
        return money(self.quantity * self.unit_price * (100 - self.discount_percent) / 100)

    @property
    def remaining_quantity(self) -> Decimal:
        """What is still to ship: ordered less shipped and cancelled."""
        return self.quantity - self.shipped_quantity - self.cancelled_quantity

    @property
    def unallocated_quantity(self) -> Decimal:
        """What still needs stock reserved for it."""
        return self.remaining_quantity - self.allocated_quantity

    @property
    def is_service(self) -> bool:
        """A service line: delivered with Mark Delivered, never allocated or shipped."""
        return self.part_kind == PartKind.SERVICE

    def get_fulfilment_state_display(self) -> str:
        """Label of the annotated fulfilment state (see SalesOrderLineQuerySet.with_fulfilment)."""
        return FulfilmentState(self.fulfilment_state).label

    def get_allocation_status_display(self) -> str:
        """Label of the annotated allocation status (see with_fulfilment)."""
        return AllocationStatus(self.allocation_status).label

    def can_deliver(self) -> bool:
        """Mark Delivered applies: a service line with something left to deliver on an
        Issued order. Reads `self.order` (lines read through `order.lines` have it)."""
        return self.is_service and self.remaining_quantity > 0 and self.order.can_ship()

    def quantity_refusal(self, quantity: Decimal) -> str | None:
        """Why `quantity` does not fit the line's unit (pcs are whole), or None."""
        return quantity_refusal(quantity, self.unit, what=self.part_name)

    @property
    def quantity_step(self) -> Decimal:
        """The smallest quantity the line's unit allows (1 for pcs): a form field's step."""
        return unit_rule(self.unit).step

    def can_remove(self) -> bool:
        """Nothing has been shipped, cancelled, allocated or invoiced from it (else Cancel
        Remaining)."""
        return not (
            self.shipped_quantity
            or self.cancelled_quantity
            or self.allocated_quantity
            or self.invoiced_quantity
        )

    @property
    def uninvoiced_quantity(self) -> Decimal:
        """What is ordered, not cancelled and not yet on an invoice (draft or posted)."""
        return max(self.quantity - self.cancelled_quantity - self.invoiced_quantity, ZERO)

    def can_cancel_remaining(self) -> bool:
        """Its order is Issued or On Hold and something is left to ship. Reads `self.order`:
        lines read through `order.lines` have it already."""
        return self.order.can_cancel_remaining() and self.remaining_quantity > 0


class SalesOrderLineDimension(models.Model):
    """A dimension value of an order line (Department: Sales): at most one per dimension."""

    line = models.ForeignKey(SalesOrderLine, on_delete=models.CASCADE, related_name="dimensions")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    value = models.ForeignKey(DimensionValue, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dimension__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "dimension"],
                name="one_value_per_dimension_per_line",
                violation_error_message="A line takes one value of each dimension.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.value_id}"


class PartRevenueAccount(models.Model):
    """The revenue account a part's order lines book to by default. Kept here, not on the
    part: inventory and accounting sit on one layer and never reference each other, while
    sales orders (above both) bring parts and accounts together."""

    part = models.OneToOneField(Part, on_delete=models.CASCADE, primary_key=True, related_name="+")
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"type": "revenue"},
    )

    class Meta:
        verbose_name = "part revenue account"

    def __str__(self) -> str:
        return f"{self.part_id} -> {self.account_id}"


class SalesOrderExtraLine(models.Model):
    """A charge or rebate that is not a part: shipping fee, handling, discount."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="extra_lines")
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(**QUANTITY, default=Decimal("1"))
    unit_price = models.DecimalField(**UNIT_PRICE, help_text="Negative for a rebate.")
    tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    tax_rule = models.ForeignKey(
        TaxRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_note = models.CharField(max_length=300, blank=True)
    # Where the charge is booked (4200 Freight): the settings' default revenue account unless
    # chosen; invoicing copies it.
    revenue_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sort_order = models.PositiveIntegerField(default=0)
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)

    class Meta:
        ordering = ["order", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="salesorderextraline_quantity_positive",
                violation_error_message="The quantity must be above zero.",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class SalesOrderEvent(models.Model):
    """History: who changed what on an order, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Changed"
        NOTE = "note", "Note"
        LINE_ADDED = "line_added", "Line added"
        LINE_CHANGED = "line_changed", "Line changed"
        LINE_REMOVED = "line_removed", "Line removed"
        EXTRA_ADDED = "extra_added", "Extra line added"
        EXTRA_CHANGED = "extra_changed", "Extra line changed"
        EXTRA_REMOVED = "extra_removed", "Extra line removed"
        ISSUED = "issued", "Issued"
        HELD = "held", "Put on hold"
        RELEASED = "released", "Released"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REMAINING_CANCELLED = "remaining_cancelled", "Remaining cancelled"
        SHIPMENT_CREATED = "shipment_created", "Shipment created"
        SHIPMENT_CHANGED = "shipment_changed", "Shipment changed"
        SHIPMENT_DELETED = "shipment_deleted", "Shipment deleted"
        SHIPMENT_SHIPPED = "shipment_shipped", "Shipment shipped"
        SHIPMENT_DELIVERED = "shipment_delivered", "Shipment delivered"
        ALLOCATED = "allocated", "Stock allocated"
        ALLOCATION_REMOVED = "allocation_removed", "Allocation removed"
        AUTO_ALLOCATED = "auto_allocated", "Auto allocated"
        SERVICE_DELIVERED = "service_delivered", "Service delivered"
        ATTACHMENT_ADDED = "attachment_added", "Attachment added"
        ATTACHMENT_DELETED = "attachment_deleted", "Attachment deleted"
        INVOICE_CREATED = "invoice_created", "Invoice created"
        INVOICE_CHANGED = "invoice_changed", "Invoice changed"
        INVOICE_DELETED = "invoice_deleted", "Invoice deleted"
        INVOICE_POSTED = "invoice_posted", "Invoice posted"
        INVOICE_VOIDED = "invoice_voided", "Invoice voided"
        PAYMENT_RECORDED = "payment_recorded", "Payment recorded"
        PAYMENT_REVERSED = "payment_reversed", "Payment reversed"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SENT_BACK = "sent_back", "Sent back to Pending"
        CREDIT_WARNING = "credit_warning", "Credit warning acknowledged"

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}: {self.message[:50]}"


class CreditWarning(models.Model):
    """A credit-limit warning someone saw and went on past: who, when, on which action, and
    the figures they were shown (base currency). Written by the services only."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="credit_warnings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20)  # a key of SalesOrder.TRANSITIONS, or "edit"
    policy = models.CharField(max_length=10, choices=CreditPolicy.choices)
    credit_limit = models.DecimalField(**MONEY)
    exposure = models.DecimalField(**MONEY)
    excess = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.excess} over the limit"


class OrderDayTotal(models.Model):
    """Running totals of orders per day, for the dashboard's order figures and its sales chart:
    summing these rows costs the same whatever the number of orders.

    Written only by database triggers on the order table (salesorders.totals), never by the
    services: every INSERT, UPDATE, DELETE or TRUNCATE of orders adds rows of what it changed,
    whichever code wrote. A trigger only ever inserts, so two transactions changing orders of
    the same day never wait for each other or deadlock over a total. `totals.compact()` folds
    the added rows (`merged` false) into one per day.

    - OPEN: the open orders (OPEN_STATUSES) by target date and `something_to_ship`;
    - SOLD: the issued orders that are not cancelled (the chart's sales) by order date.
    """

    class Kind(models.TextChoices):
        OPEN = "open", "Open orders by target date"
        SOLD = "sold", "Sales by order date"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    day = models.DateField(null=True)
    to_ship = models.BooleanField(default=False)
    orders = models.IntegerField(default=0)
    # The orders' base totals in cents (MONEY has 2 places): an integer adds up exactly on
    # SQLite too, where a decimal column holds a float.
    value_cents = models.BigIntegerField(default=0)
    merged = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["kind", "day"], name="orderdaytotal_kind_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}: {self.orders}"
