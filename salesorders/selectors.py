"""Reads of sales orders for one page or one resource, returning plain data.

The decisions they carry are the models' predicates and the lifecycle table
(SalesOrder.TRANSITIONS); nothing here writes.
"""

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounting.models import base_currency
from approvals.models import ConditionKind, DocumentFacts, StepSpec
from approvals.selectors import RoundView, document_round, matching_rules
from core.emails import document_emails
from core.numbers import ZERO, money
from core.prebuilt import prebuilt
from inventory.models import Part, PartKind
from inventory.pricing import suggest_price_in
from salesorders.models import (
    CREDIT_STATUSES,
    OPEN_STATUSES,
    CreditPolicy,
    DeliveryState,
    OrderDayTotal,
    OrderFacts,
    OrderStatus,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderLineDimension,
    SalesOrderSettings,
    Transition,
    delivery_state_of,
)

HISTORY_LIMIT = 100
# A page of lines' dimension values, with their dimensions' names: one query.
LINE_DIMENSIONS = Prefetch(
    "dimensions",
    queryset=SalesOrderLineDimension.objects.select_related("dimension", "value").order_by(
        "dimension__name"
    ),
)
# The lifecycle actions whose refusal depends on the approval gate.
APPROVAL_GATED = ("submit", "issue", "release")
LINES_PER_PAGE = 100
CUSTOMER_ORDERS_LIMIT = 10
# Send Order Confirmation: whoever may change the order may email it to its customer.
SEND_CONFIRMATION_PERMISSION = "salesorders.change_salesorder"


# --- lifecycle facts -----------------------------------------------------------------------


def salesorder_facts(
    order: SalesOrder,
    *,
    line_count: int | None = None,
    delivery_state: str | None = None,
    shipments=None,
    approval: "ApprovalCheck | None" = None,
    for_action: str | None = None,
) -> OrderFacts:
    """What the lifecycle rules need to know about `order` besides its status.

    Give what is already loaded and its query is saved: the order page passes its line count,
    the annotated delivery state and the prefetched shipments, and reads nothing more than the
    customer it selected with the order (no queries). A service passes nothing: one query over
    the lines (which also names the service lines not yet delivered), one for a pending
    shipment, one for the customer. An order not issued yet also asks the approval gate
    (salesorder_approval_check, five queries) unless `approval` gives its answer or
    `for_action` is an action the gate does not decide.
    """
    undelivered_services: tuple[str, ...] = ()
    gated = for_action is None or for_action in APPROVAL_GATED
    if gated and approval is None and order.is_unissued() and not order.is_pending_approval():
        approval = salesorder_approval_check(order)
    if line_count is None or delivery_state is None:
        lines = list(
            SalesOrderLine.objects.filter(order_id=order.pk).only(
                "quantity", "shipped_quantity", "cancelled_quantity", "part_kind", "part_sku"
            )
        )
        line_count, delivery_state = len(lines), delivery_state_of(lines)
        undelivered_services = tuple(
            line.part_sku for line in lines if line.is_service and line.remaining_quantity > 0
        )
    if shipments is None:
        has_pending_shipment = order.shipments.pending().exists()
    else:
        has_pending_shipment = any(shipment.is_pending for shipment in shipments)
    return OrderFacts(
        line_count=line_count,
        # Shipped quantities are never negative: something shipped is "not Not shipped".
        shipped_anything=delivery_state != DeliveryState.NOT_SHIPPED,
        delivery_state=delivery_state,
        has_pending_shipment=has_pending_shipment,
        customer_active=order.customer.active,
        undelivered_services=undelivered_services,
        needs_approval=approval.needed if approval else False,
        approval_reasons=approval.reasons if approval else (),
    )


# --- the order page ------------------------------------------------------------------------


@prebuilt
def salesorder_page_queryset() -> QuerySet:
    """The order and everything its page shows but the lines, in a constant number of queries
    (built once, cloned per request: core.prebuilt).

    The lines are read a page at a time (salesorder_page) and the delivery state is one
    aggregate over them, so the number of lines costs neither queries nor rendering. The
    shipments are prefetched for the lifecycle facts and for shipping's `order_shipments` tag,
    which brings their allocations itself."""
    return (
        SalesOrder.objects.select_related("customer", "contact", "salesperson", "updated_by")
        .with_delivery_state()
        .with_invoicing_state()
        .with_allocation_status()
        .prefetch_related(
            Prefetch(
                "extra_lines",
                queryset=SalesOrderExtraLine.objects.select_related("revenue_account"),
            ),
            "shipments",
        )
    )


@dataclass
class OrderPage:
    """What the order page shows besides the order itself (which is `order`)."""

    order: SalesOrder
    facts: OrderFacts
    lines_page: Page
    lines: list[SalesOrderLine]
    line_count: int
    extra_lines: list[SalesOrderExtraLine]
    events: list[SalesOrderEvent]
    # The lifecycle buttons this user may press now, in the table's order.
    transitions: list[Transition] = field(default_factory=list)
    # The user may change the order and it is not Complete or Cancelled.
    can_edit: bool = False
    # The user may cancel ordered quantity (Cancel Order's permission); which lines offer it
    # is line.can_cancel_remaining().
    may_cancel_remaining: bool = False
    is_overdue: bool = False
    # What was cancelled and shipped, valued at the lines' amounts (salesorder_fulfilment).
    fulfilment: "Fulfilment | None" = None
    # The user may Mark Delivered and the order is Issued; which lines offer it is
    # line.can_deliver(). `open_services`: service lines on this page of lines with something
    # left (the page's Mark Delivered buttons, and "all services", show only then).
    may_deliver: bool = False
    open_services: int = 0
    # The notes the taxes charged ask documents to print (the reverse charge's legal note).
    tax_notes: list[str] = field(default_factory=list)
    # Its latest emails (core.EmailMessageLog, newest first) and whether this user may send
    # its confirmation now (Send Order Confirmation).
    emails: list = field(default_factory=list)
    may_send_confirmation: bool = False
    # The latest approval round (None: never submitted), with the step this user may decide.
    approval: "RoundView | None" = None
    # What the approval gate says of an order not issued yet (why it needs approval).
    approval_check: "ApprovalCheck | None" = None
    # The customer's credit, for an order not issued yet or waiting for approval: over the
    # limit, everyone reads the warning before submitting or issuing.
    credit: "CreditPosition | None" = None
    # Shipped in full and still Issued (SalesOrder.is_ready_to_complete): the page hands
    # over to whoever may complete it, named by `completers` (the roles holding Complete
    # Order's permission); `complete_action` is the button when this user may press it.
    ready_to_complete: bool = False
    completers: str = ""
    complete_action: "Transition | None" = None

    def as_context(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def roles_with_permission(permission: str) -> str:
    """The groups granted `permission` ("app_label.codename"), as "Managers" or "Managers or
    Accounts" (one query); "a manager" when no group has it (a superuser may still)."""
    app_label, codename = permission.split(".", 1)
    names = list(
        Group.objects.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        )
        .order_by("name")
        .values_list("name", flat=True)
    )
    return " or ".join(names) if names else "a manager"


def salesorder_page(
    order: SalesOrder, *, user: AbstractBaseUser, lines_page: str | int | None = None
) -> OrderPage:
    """The order page of `order` (from salesorder_page_queryset()) as `user` sees it, showing
    the `lines_page`-th LINES_PER_PAGE lines with their fulfilment state and allocation status
    (SalesOrderLineQuerySet.with_fulfilment), revenue account and dimension values: five
    queries (line count, lines, their dimension values, history, its latest emails) and, for
    an order longer than one page of lines, two over all of them (its tax notes, its
    cancelled value), which a shorter order's page reads off the lines it shows."""
    paginator = Paginator(
        order.lines.with_fulfilment()
        .select_related("delivered_by", "revenue_account")
        .prefetch_related(LINE_DIMENSIONS)
        .order_by("sort_order", "pk"),
        LINES_PER_PAGE,
    )
    page = paginator.get_page(lines_page)
    check = None
    if order.is_unissued() and not order.is_pending_approval():
        check = salesorder_approval_check(order)
    facts = salesorder_facts(
        order,
        line_count=paginator.count,
        delivery_state=order.delivery_state,
        shipments=order.shipments.all(),
        approval=check,
    )
    transitions = [
        t
        for t in order.allowed_transitions(facts)
        if user.has_perm(t.permission) and not t.decision
    ]
    ready = order.is_ready_to_complete(facts)
    complete = SalesOrder.TRANSITIONS["complete"]
    credit = check.credit if check else None
    if order.is_pending_approval():
        credit = credit_position(order.customer, order=order)
    can_edit = order.can_edit() and user.has_perm("salesorders.change_salesorder")
    lines = list(page.object_list)
    # An order whose lines are all on this page: its cancelled value and tax notes come from
    # them; a longer one's from the database.
    every_line = lines if paginator.num_pages == 1 else None
    if every_line is None:
        line_notes = order.lines.exclude(tax_note="").order_by().values_list("tax_note", flat=True)
        line_notes = line_notes.distinct()
    else:
        line_notes = [line.tax_note for line in lines if line.tax_note]
    return OrderPage(
        order=order,
        facts=facts,
        lines_page=page,
        # Read through order.lines: each line's `order` is this one, so its predicates
        # (can_cancel_remaining) cost nothing.
        lines=lines,
        line_count=paginator.count,
        extra_lines=list(order.extra_lines.all()),
        events=list(order.events.select_related("user")[:HISTORY_LIMIT]),
        transitions=transitions,
        can_edit=can_edit,
        may_cancel_remaining=can_edit
        and user.has_perm(SalesOrder.TRANSITIONS["cancel"].permission),
        is_overdue=order.is_overdue(),
        fulfilment=salesorder_fulfilment(order, lines=every_line),
        may_deliver=order.can_ship() and user.has_perm("salesorders.deliver_salesorderline"),
        open_services=sum(1 for line in lines if line.is_service and line.remaining_quantity > 0),
        emails=document_emails(order),
        ready_to_complete=ready,
        completers=roles_with_permission(complete.permission) if ready else "",
        complete_action=next((t for t in transitions if t.action == complete.action), None),
        may_send_confirmation=order.can_send_confirmation()
        and user.has_perm(SEND_CONFIRMATION_PERMISSION),
        tax_notes=tax_notes_of(list(order.extra_lines.all()), line_notes),
        approval=document_round(order, user=user) if order.approval_round else None,
        approval_check=check,
        credit=credit,
    )


@dataclass(frozen=True)
class Fulfilment:
    """The order's stored total split by what became of it, for the totals box of an order
    with something cancelled. Stored totals stay what was ordered (the confirmation's
    figures); these are the lines' amounts in proportion to their quantities."""

    cancelled: Decimal  # value of the cancelled quantities (a cancelled order: all but shipped)
    shipped: Decimal  # value of the shipped quantities (counted on cancelled orders only)
    remaining: Decimal  # total less cancelled: what was shipped or is still to ship


def salesorder_fulfilment(order: SalesOrder, *, lines=None) -> Fulfilment | None:
    """The cancelled value of `order` (one query over the lines with something cancelled, or
    none given every line of it as `lines`), or None when nothing of it is cancelled.

    A line's share is its stored total x quantity / ordered, rounded half-up to cents. On a
    cancelled order nothing more will be delivered, so everything not shipped, its extra
    lines included, counts as cancelled (its shipped lines are read too)."""
    cancelled_order = order.is_cancelled()
    if lines is None:
        touched = Q(cancelled_quantity__gt=0)
        if cancelled_order:
            touched |= Q(shipped_quantity__gt=0)
        rows = list(
            order.lines.filter(touched)
            .order_by()
            .values_list("quantity", "shipped_quantity", "cancelled_quantity", "total")
        )
    else:  # the same lines, picked from those loaded
        rows = [
            (line.quantity, line.shipped_quantity, line.cancelled_quantity, line.total)
            for line in lines
            if line.cancelled_quantity > 0 or (cancelled_order and line.shipped_quantity > 0)
        ]
    if not rows and not cancelled_order:
        return None
    shipped = cancelled = ZERO
    for quantity, shipped_quantity, cancelled_quantity, total in rows:
        shipped += money(total * shipped_quantity / quantity)
        cancelled += money(total * cancelled_quantity / quantity)
    if cancelled_order:
        cancelled = order.total - shipped
    return Fulfilment(cancelled=cancelled, shipped=shipped, remaining=order.total - cancelled)


def tax_notes_of(rows, more=()) -> list[str]:
    """The distinct tax notes of lines and extra lines (and of `more` notes), in order."""
    notes = [row.tax_note for row in rows if row.tax_note] + list(more)
    return list(dict.fromkeys(notes))


# --- dashboard and customer page -----------------------------------------------------------


def _amount(cents: int | None) -> Decimal:
    return Decimal(cents or 0).scaleb(-2)


def salesorder_dashboard_figures(today: datetime.date | None = None) -> dict:
    """Counts and values of open, overdue and due-this-week orders, the values summed in the
    base currency (each order's base total, at its own rate): one query over the running
    totals per target date (models.OrderDayTotal), a few rows per day whatever the number of
    orders. `unmerged` is how many rows the triggers added since the last totals.compact().

    "Overdue" is SalesOrderQuerySet.overdue's condition (models.overdue_condition: open, past
    the target date, something still to ship) over the totals' target date and `to_ship`, so
    the list it links to shows the same orders. "Due this week" is open orders with a target
    date from today to today + 6 days.
    """
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6)
    open_ = Q(kind=OrderDayTotal.Kind.OPEN)
    due = open_ & Q(day__gte=today, day__lte=week_end)
    overdue = open_ & Q(day__lt=today, to_ship=True)
    sums = OrderDayTotal.objects.filter(open_ | Q(merged=False)).aggregate(
        open_count=Sum("orders", filter=open_),
        open_cents=Sum("value_cents", filter=open_),
        due_count=Sum("orders", filter=due),
        due_cents=Sum("value_cents", filter=due),
        overdue_count=Sum("orders", filter=overdue),
        overdue_cents=Sum("value_cents", filter=overdue),
        unmerged=Count("pk", filter=Q(merged=False)),
    )
    figures = {}
    for name in ("open", "due", "overdue"):
        figures[f"{name}_count"] = sums[f"{name}_count"] or 0
        figures[f"{name}_value"] = _amount(sums[f"{name}_cents"])
    return {
        "today": today,
        "week_end": week_end,
        "base_currency": base_currency(),
        **figures,
        "due_this_week_count": figures["due_count"],
        "unmerged": sums["unmerged"],
    }


def salesorder_sales_by_month(
    months: int = 12, today: datetime.date | None = None
) -> list[tuple[datetime.date, Decimal]]:
    """Sales per calendar month for the last `months` months, this one included: the base
    totals of the orders that were issued (Issued, On Hold after issue, Complete; never
    Pending, Pending Approval or Cancelled), by order date. Oldest month first, a month with
    no sales as zero. One query over the running totals per order date (OrderDayTotal), a
    few rows per day whatever the number of orders."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        starts.insert(0, (starts[0] - datetime.timedelta(days=1)).replace(day=1))
    rows = (
        OrderDayTotal.objects.filter(
            kind=OrderDayTotal.Kind.SOLD, day__gte=starts[0], day__lte=today
        )
        .order_by()
        .values_list("day")
        .annotate(cents=Sum("value_cents"))
    )
    totals: dict[datetime.date, int] = {}
    for day, cents in rows:
        month = day.replace(day=1)
        totals[month] = totals.get(month, 0) + cents
    return [(start, _amount(totals.get(start))) for start in starts]


def salesorder_customer_summary(customer, *, limit: int = CUSTOMER_ORDERS_LIMIT) -> dict:
    """The customer page's orders card: the latest `limit` orders (with their delivery state)
    and the count of all, open ones and their value: two queries."""
    orders = list(
        SalesOrder.objects.filter(customer=customer)
        .with_delivery_state()
        .with_invoicing_state()
        .order_by("-order_date", "-reference_number")[:limit]
    )
    summary = SalesOrder.objects.filter(customer=customer).aggregate(
        count=Count("pk"),
        open_count=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        open_value=Coalesce(Sum("total", filter=Q(status__in=OPEN_STATUSES)), Decimal("0")),
    )
    return {"orders": orders, "summary": summary}


def line_price_suggestion(order: SalesOrder, part, quantity: Decimal):
    """The unit price a new line of `part` for `quantity` gets on `order`: its customer's or
    currency's price list, else the base price (breaks) converted at the order's rate
    (inventory.pricing.suggest_price_in). The price the line service stores and the one the
    order page previews."""
    return suggest_price_in(
        part,
        quantity,
        currency=order.currency,
        rate=order.currency_rate,
        customer_id=order.customer_id,
    )


@dataclass(frozen=True)
class LinePreview:
    """What the order page shows of a part before it becomes a line: its price for the
    quantity, and its free stock (None for a service, which needs none)."""

    part: object
    quantity: Decimal | None
    price: object  # inventory.pricing.PriceSuggestion, or None without a quantity
    free: Decimal | None

    @property
    def short(self) -> Decimal:
        """How much of the quantity the free stock does not cover (0 when it does)."""
        if self.free is None or self.quantity is None:
            return ZERO
        return max(self.quantity - self.free, ZERO)


def line_preview(order: SalesOrder, part, quantity: Decimal | None) -> LinePreview:
    """The price and free stock of `part` for a line of `quantity` (1 when None) on `order`.

    `part` should carry `available` (inventory PartQuerySet.with_stock); two queries (the
    price lists and the part's price breaks)."""
    price = line_price_suggestion(order, part, quantity if quantity else Decimal(1))
    free = None if part.kind == PartKind.SERVICE else part.available
    return LinePreview(part=part, quantity=quantity, price=price, free=free)


def free_stock_shortfall(line: SalesOrderLine) -> Decimal:
    """How much of `line`'s remaining quantity the part's free stock does not cover (0 for a
    service or when it does): one query."""
    if line.is_service:
        return ZERO
    free = Part.objects.with_stock().filter(pk=line.part_id).values_list("available", flat=True)
    return max(line.unallocated_quantity - (free.first() or ZERO), ZERO)


def order_url_at(line: SalesOrderLine, *, anchor: bool = True) -> str:
    """The order page that shows `line` (its page of lines), scrolled to it: one count query."""
    before = SalesOrderLine.objects.filter(
        Q(sort_order__lt=line.sort_order) | Q(sort_order=line.sort_order, pk__lt=line.pk),
        order_id=line.order_id,
    ).count()
    url = reverse("salesorders:detail", args=[line.order_id])
    page = before // LINES_PER_PAGE + 1
    if page > 1:
        url += "?" + urlencode({"lines_page": page})
    return f"{url}#line-{line.pk}" if anchor else url


# --- credit and the approval gate --------------------------------------------------------


@dataclass(frozen=True)
class CreditPosition:
    """A customer's credit in the base currency: `limit` (None: no limit); `exposure`: the
    uninvoiced value of its orders in CREDIT_STATUSES, its posted unpaid invoices and the
    order at hand when it is not counted yet; `open_value`: the orders' share of it."""

    currency: str
    limit: Decimal | None
    exposure: Decimal
    open_value: Decimal
    receivable: Decimal
    order_count: int
    order_added: Decimal = ZERO  # the order at hand, when not counted in open_value

    @property
    def excess(self) -> Decimal:
        if self.limit is None:
            return ZERO
        return max(self.exposure - self.limit, ZERO)

    @property
    def exceeded(self) -> bool:
        return self.limit is not None and self.exposure > self.limit

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.exposure

    def sentence(self, name: str) -> str:
        """The warning every user reads before going on: limit, exposure and the excess."""
        c = self.currency
        return (
            f"{name}'s credit limit is {self.limit:,.2f} {c}; with this order its exposure "
            f"would be {self.exposure:,.2f} {c}, {self.excess:,.2f} {c} over the limit."
        )


def exposure_orders(customer) -> QuerySet:
    """The orders that make up `customer`'s credit exposure (served by the index
    `salesorder_customer_status`)."""
    return SalesOrder.objects.filter(customer=customer, status__in=CREDIT_STATUSES)


def credit_position(customer, *, order: SalesOrder | None = None) -> CreditPosition:
    """`customer`'s CreditPosition, with `order` added when it is not counted yet (a Pending
    order being submitted or issued): one aggregate query, whatever its order count."""
    figures = exposure_orders(customer).aggregate(
        value=Coalesce(Sum(F("base_total") - F("invoiced_base_total")), ZERO),
        count=Count("pk"),
    )
    added = ZERO
    if order is not None and not order.counts_in_exposure:
        added = order.base_total - order.invoiced_base_total
    receivable = customer.receivable_base or ZERO
    return CreditPosition(
        currency=base_currency(),
        limit=customer.credit_limit,
        exposure=money(figures["value"] + receivable + added),
        open_value=money(figures["value"]),
        receivable=receivable,
        order_count=figures["count"],
        order_added=added,
    )


CREDIT_PANEL_ORDERS = 20


def customer_credit_panel(customer, *, limit: int = CREDIT_PANEL_ORDERS) -> dict:
    """The customer page's credit panel: its CreditPosition and the orders that make up the
    exposure (the `limit` largest, with how many there are): two queries."""
    position = credit_position(customer)
    orders = list(
        exposure_orders(customer)
        .annotate(uninvoiced=F("base_total") - F("invoiced_base_total"))
        .only("pk", "reference", "status", "order_date", "base_total", "invoiced_base_total")
        .order_by("-uninvoiced", "-pk")[:limit]
    )
    return {"position": position, "orders": orders}


@dataclass(frozen=True)
class ApprovalCheck:
    """What the approval gate decided for an order: the facts its rules read, the steps a
    round would have (in stage order) and the credit position it was decided with."""

    facts: DocumentFacts
    steps: tuple[StepSpec, ...]
    credit: CreditPosition
    policy: str

    @property
    def needed(self) -> bool:
        return bool(self.steps)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(step.sentence for step in self.steps)


def _line_figures(order: SalesOrder) -> dict:
    """The largest line discount and how far below its list price (in the order's currency
    at its rate) a hand-priced line goes, in percent: one aggregate over the lines."""
    below = ExpressionWrapper(
        (F("list_unit_price") - F("unit_price") * Value(order.currency_rate))
        * Value(Decimal("100"))
        / F("list_unit_price"),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    return SalesOrderLine.objects.filter(order_id=order.pk).aggregate(
        discount=Coalesce(Max("discount_percent"), ZERO),
        below=Coalesce(
            Max(
                below,
                filter=Q(price_source=SalesOrderLine.PriceSource.MANUAL, list_unit_price__gt=0),
            ),
            ZERO,
            output_field=DecimalField(max_digits=20, decimal_places=4),
        ),
    )


def salesorder_approval_check(order: SalesOrder, *, customer=None) -> ApprovalCheck:
    """Which approvals `order` needs now: the facts (total in base, customer new, over the
    credit limit, largest discount, price below its suggestion), the active rules they
    match, and under the REQUIRE_APPROVAL credit policy a Credit Control step when no rule
    asks for the credit already. `customer`: the locked row a service holds.

    Five queries (settings, rules, credit sum, completed orders, lines) whatever the order's
    size; the caller decides when it is worth asking (orders not issued yet)."""
    customer = customer or order.customer
    policy = SalesOrderSettings.load().credit_policy
    credit = credit_position(customer, order=order)
    lines = _line_figures(order)
    facts = DocumentFacts(
        total_base=order.base_total,
        currency=credit.currency,
        customer_has_completed=SalesOrder.objects.filter(
            customer=customer, status=OrderStatus.COMPLETE
        ).exists(),
        customer_age_days=(timezone.now() - customer.created_at).days,
        exceeds_credit=credit.exceeded and policy != CreditPolicy.WARN,
        max_discount_percent=lines["discount"],
        max_below_suggested_percent=lines["below"],
    )
    content_type = ContentType.objects.get_for_model(SalesOrder)
    rules = matching_rules(content_type=content_type, facts=facts)
    steps = []
    for rule in rules:
        step = rule.as_step(facts)
        if rule.condition == ConditionKind.EXCEEDS_CREDIT:
            step = replace(step, sentence=f"{rule.name}: {credit.sentence(customer.name)}")
        steps.append(step)
    asks_credit = any(rule.condition == ConditionKind.EXCEEDS_CREDIT for rule in rules)
    if credit.exceeded and policy == CreditPolicy.REQUIRE_APPROVAL and not asks_credit:
        group = Group.objects.filter(name=CREDIT_CONTROL_GROUP).only("pk").first()
        if group is not None:
            stage = max((step.stage for step in steps), default=0) + 1
            steps.append(
                StepSpec(
                    sentence=f"Credit limit: {credit.sentence(customer.name)}",
                    stage=stage,
                    approver_group_id=group.pk,
                    approver_user_id=None,
                )
            )
    return ApprovalCheck(
        facts=facts,
        steps=tuple(sorted(steps, key=lambda step: step.stage)),
        credit=credit,
        policy=policy,
    )


CREDIT_CONTROL_GROUP = "Credit Control"
