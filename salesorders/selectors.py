"""Reads of sales orders for one page or one resource, returning plain data.

The decisions they carry are the models' predicates and the lifecycle table
(SalesOrder.TRANSITIONS); nothing here writes.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounting.models import base_currency
from core.numbers import ZERO, money
from salesorders.models import (
    OPEN_STATUSES,
    DeliveryState,
    OrderFacts,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    Transition,
    delivery_state_of,
)

HISTORY_LIMIT = 100
LINES_PER_PAGE = 100
CUSTOMER_ORDERS_LIMIT = 10


# --- lifecycle facts -----------------------------------------------------------------------


def salesorder_facts(
    order: SalesOrder,
    *,
    line_count: int | None = None,
    delivery_state: str | None = None,
    shipments=None,
) -> OrderFacts:
    """What the lifecycle rules need to know about `order` besides its status.

    Give what is already loaded and its query is saved: the order page passes its line count,
    the annotated delivery state and the prefetched shipments, and reads nothing more than the
    customer it selected with the order (no queries). A service passes nothing: one query over
    the lines (which also names the service lines not yet delivered), one for a pending
    shipment, one for the customer.
    """
    undelivered_services: tuple[str, ...] = ()
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
    )


# --- the order page ------------------------------------------------------------------------


def salesorder_page_queryset() -> QuerySet:
    """The order and everything its page shows but the lines, in a constant number of queries.

    The lines are read a page at a time (salesorder_page) and the delivery state is one
    aggregate over them, so the number of lines costs neither queries nor rendering. The
    shipments are prefetched for the lifecycle facts and for shipping's `order_shipments` tag,
    which brings their allocations itself."""
    return (
        SalesOrder.objects.select_related(
            "customer", "contact", "salesperson", "created_by", "updated_by", "issued_by"
        )
        .with_delivery_state()
        .with_invoicing_state()
        .with_open_lines()
        .with_allocation_status()
        .prefetch_related("extra_lines", "shipments")
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

    def as_context(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def salesorder_page(
    order: SalesOrder, *, user: AbstractBaseUser, lines_page: str | int | None = None
) -> OrderPage:
    """The order page of `order` (from salesorder_page_queryset()) as `user` sees it, showing
    the `lines_page`-th LINES_PER_PAGE lines with their fulfilment state and allocation status
    (SalesOrderLineQuerySet.with_fulfilment): four queries (line count, lines, history, the
    tax notes of all its lines)."""
    paginator = Paginator(
        order.lines.with_fulfilment().select_related("delivered_by").order_by("sort_order", "pk"),
        LINES_PER_PAGE,
    )
    page = paginator.get_page(lines_page)
    facts = salesorder_facts(
        order,
        line_count=paginator.count,
        delivery_state=order.delivery_state,
        shipments=order.shipments.all(),
    )
    transitions = [t for t in order.allowed_transitions(facts) if user.has_perm(t.permission)]
    can_edit = order.can_edit() and user.has_perm("salesorders.change_salesorder")
    lines = list(page.object_list)
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
        fulfilment=salesorder_fulfilment(order),
        may_deliver=order.can_ship() and user.has_perm("salesorders.deliver_salesorderline"),
        open_services=sum(1 for line in lines if line.is_service and line.remaining_quantity > 0),
        tax_notes=tax_notes_of(
            list(order.extra_lines.all()),
            order.lines.exclude(tax_note="")
            .order_by()
            .values_list("tax_note", flat=True)
            .distinct(),
        ),
    )


@dataclass(frozen=True)
class Fulfilment:
    """The order's stored total split by what became of it, for the totals box of an order
    with something cancelled. Stored totals stay what was ordered (the confirmation's
    figures); these are the lines' amounts in proportion to their quantities."""

    cancelled: Decimal  # value of the cancelled quantities (a cancelled order: all but shipped)
    shipped: Decimal  # value of the shipped quantities (counted on cancelled orders only)
    remaining: Decimal  # total less cancelled: what was shipped or is still to ship


def salesorder_fulfilment(order: SalesOrder) -> Fulfilment | None:
    """The cancelled value of `order` (one query over the lines with something cancelled), or
    None when nothing of it is cancelled.

    A line's share is its stored total x quantity / ordered, rounded half-up to cents. On a
    cancelled order nothing more will be delivered, so everything not shipped, its extra
    lines included, counts as cancelled (its shipped lines are read too)."""
    touched = Q(cancelled_quantity__gt=0)
    if order.is_cancelled():
        touched |= Q(shipped_quantity__gt=0)
    rows = list(
        order.lines.filter(touched)
        .order_by()
        .values_list("quantity", "shipped_quantity", "cancelled_quantity", "total")
    )
    if not rows and not order.is_cancelled():
        return None
    shipped = cancelled = ZERO
    for quantity, shipped_quantity, cancelled_quantity, total in rows:
        shipped += money(total * shipped_quantity / quantity)
        cancelled += money(total * cancelled_quantity / quantity)
    if order.is_cancelled():
        cancelled = order.total - shipped
    return Fulfilment(cancelled=cancelled, shipped=shipped, remaining=order.total - cancelled)


def tax_notes_of(rows, more=()) -> list[str]:
    """The distinct tax notes of lines and extra lines (and of `more` notes), in order."""
    notes = [row.tax_note for row in rows if row.tax_note] + list(more)
    return list(dict.fromkeys(notes))


# --- dashboard and customer page -----------------------------------------------------------


def salesorder_dashboard_figures(today: datetime.date | None = None) -> dict:
    """Counts and values of open, overdue and due-this-week orders, the values summed in the
    base currency (each order's base total, at its own rate): two queries.

    "Overdue" is SalesOrderQuerySet.overdue (open, past the target date, something still to
    ship), counted by that query itself so the list it links to shows the same orders. "Due
    this week" is open orders with a target date from today to today + 6 days.
    """
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6)
    due = Q(target_date__gte=today, target_date__lte=week_end)
    figures = SalesOrder.objects.open().aggregate(
        open_count=Count("pk"),
        open_value=Coalesce(Sum("base_total"), Decimal("0")),
        due_count=Count("pk", filter=due),
        due_value=Coalesce(Sum("base_total", filter=due), Decimal("0")),
    )
    figures |= SalesOrder.objects.overdue(today).aggregate(
        overdue_count=Count("pk"),
        overdue_value=Coalesce(Sum("base_total"), Decimal("0")),
    )
    return {
        "today": today,
        "week_end": week_end,
        "base_currency": base_currency(),
        **figures,
        "due_this_week_count": figures["due_count"],
    }


def salesorder_customer_summary(customer, *, limit: int = CUSTOMER_ORDERS_LIMIT) -> dict:
    """The customer page's orders card: the latest `limit` orders (with their delivery state)
    and the count of all, open ones and their value: two queries."""
    orders = list(
        SalesOrder.objects.filter(customer=customer)
        .with_delivery_state()
        .with_invoicing_state()
        .with_open_lines()
        .order_by("-order_date", "-reference_number")[:limit]
    )
    summary = SalesOrder.objects.filter(customer=customer).aggregate(
        count=Count("pk"),
        open_count=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        open_value=Coalesce(Sum("total", filter=Q(status__in=OPEN_STATUSES)), Decimal("0")),
    )
    return {"orders": orders, "summary": summary}


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
