"""Shipping's page reads: Backorders, the shipment page and the order page's shipments panel.

Built on the models' QuerySet methods (`SalesOrderLine.objects.backordered()`,
`.unallocated()`, `Shipment.objects.pending()`), so each condition is spelled once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from core.prebuilt import prebuilt
from inventory.models import QUANTITY, quantities_by_unit
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Allocation, Shipment

ZERO = Decimal("0")
# Allocations listed per shipment on the order page; the shipment's own page lists them all.
SHIPMENT_ROWS_SHOWN = 25
# Open lines offered for a per-line Auto Allocate on a pending shipment's page: a page's worth
# (a 1,000-line order uses Auto Allocate on the order page for the rest).
OPEN_LINES_SHOWN = 100


# --- Backorders --------------------------------------------------------------------------------


@prebuilt
def backorder_lines():
    """Open remainders of Issued and On Hold orders (goods only: services are never
    backorders), with the part's available stock (`part_available`), each line's fulfilment
    state and allocation status, and its order's allocation status (`order_allocation_status`),
    all in the one query (built once a day, cloned per request: core.prebuilt)."""
    remaining = ExpressionWrapper(
        F("quantity") - F("shipped_quantity") - F("cancelled_quantity"),
        output_field=DecimalField(**QUANTITY),
    )
    order_status = SalesOrder.objects.filter(pk=OuterRef("order")).with_allocation_status()
    return (
        SalesOrderLine.objects.backordered()
        .annotate(remaining=remaining)
        .with_fulfilment()
        .annotate(
            order_allocation_status=Subquery(
                order_status.values("allocation_status"), output_field=CharField()
            )
        )
        .select_related("order")
    )


def backorder_orders():
    """Issued orders with something left to allocate, highest priority then soonest target:
    the queue Backorders' Auto Allocate works through."""
    return SalesOrder.objects.to_allocate().order_by(
        "-priority", F("target_date").asc(nulls_last=True), "order_date", "pk"
    )


# --- the shipment page -------------------------------------------------------------------------


@dataclass
class ShipmentPage:
    """What the shipment page (and its packing slip) shows."""

    shipment: Shipment
    allocations: list[Allocation]
    # What the allocations hold per unit ({"pcs": 40, "m": 3}): never added across units.
    totals: dict[str, Decimal]
    open_lines: list[SalesOrderLine]

    @property
    def order(self) -> SalesOrder:
        return self.shipment.order


def shipment_page_queryset():
    """Shipments with what their page shows: order, people, allocations with item and line."""
    return Shipment.objects.select_related("order", "shipped_by", "created_by").prefetch_related(
        "allocations__stock_item__location", "allocations__line"
    )


def shipment_page(shipment: Shipment) -> ShipmentPage:
    """The page of a shipment from `shipment_page_queryset()`: its allocations and totals per
    unit, and
    for a pending one the lines still to allocate (a page's worth, for per-line Auto Allocate)."""
    allocations = list(shipment.allocations.all())
    open_lines = []
    if shipment.is_pending:
        lines = shipment.order.lines.unallocated().order_by("sort_order", "pk")
        open_lines = list(lines[:OPEN_LINES_SHOWN])
    return ShipmentPage(
        shipment=shipment,
        allocations=allocations,
        totals=quantities_by_unit((a.line.unit, a.quantity) for a in allocations),
        open_lines=open_lines,
    )


# --- the order page's shipments panel ----------------------------------------------------------


# What the panel (shipping/partials/order_shipments.html, stock_item_label) reads of each
# allocation shown: the rest of a line's forty columns cost more to load than the query.
PANEL_FIELDS = (
    "shipment_id",
    "quantity",
    "line__part_sku",
    "line__part_name",
    "line__unit",
    "stock_item__serial_number",
    "stock_item__batch_code",
    "stock_item__expiry_date",
    "stock_item__location__name",
)


def order_shipments(order: SalesOrder) -> list[Shipment]:
    """The order's shipments, each with `allocation_count` and its first SHIPMENT_ROWS_SHOWN
    allocations as `first_allocations` (stock item, location and line loaded, the PANEL_FIELDS
    of each).

    Uses `order.shipments.all()` (prefetched by the order page, else one query) and one query
    for the allocations, so a shipment of thousands of items costs about what a small one
    does: a window function numbers each shipment's allocations (joined to their lines
    alone, for the lines' order) and keeps the first rows; only those are joined to their
    stock items, locations and lines, and each shipment's count is taken once, on its first
    row. (Numbering after the joins read every allocation's stock item: past 10,000 stock
    items PostgreSQL hashed them all, 17 ms of a 1,000-line order's page at 100,000 orders.)"""
    shipments = list(order.shipments.all())
    if not shipments:
        return shipments
    per_shipment = {"partition_by": [F("shipment_id")]}
    in_line_order = [F("line__sort_order"), F("line_id"), F("pk")]
    first_rows = (
        Allocation.objects.filter(shipment__in=[each.pk for each in shipments])
        .annotate(row_number=Window(RowNumber(), order_by=in_line_order, **per_shipment))
        .filter(row_number__lte=SHIPMENT_ROWS_SHOWN)
        .values("pk")
    )
    shipment_count = (
        Allocation.objects.filter(shipment_id=OuterRef("shipment_id"))
        .order_by()
        .values("shipment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Allocation.objects.filter(pk__in=first_rows)
        .select_related("stock_item__location", "line")
        .only(*PANEL_FIELDS)
        .annotate(row_number=Window(RowNumber(), order_by=in_line_order, **per_shipment))
        .annotate(
            shipment_total=Case(
                When(row_number=1, then=Subquery(shipment_count)),
                output_field=IntegerField(),
            )
        )
        .order_by("shipment_id", "line__sort_order", "line_id", "pk")
    )
    first: dict[int, list[Allocation]] = {each.pk: [] for each in shipments}
    counts: dict[int, int] = {}
    for allocation in rows:
        first[allocation.shipment_id].append(allocation)
        if allocation.shipment_total is not None:
            counts[allocation.shipment_id] = allocation.shipment_total
    for each in shipments:
        each.first_allocations = first[each.pk]
        each.allocation_count = counts.get(each.pk, 0)
    return shipments


# --- the pick list and the delivery note -------------------------------------------------------


@dataclass
class PickGroup:
    """One stock location's allocations on a pick list, in the order to pick them."""

    location: object
    allocations: list[Allocation]


def shipment_pick_list(page: ShipmentPage) -> list[PickGroup]:
    """The shipment's allocations grouped by stock location (by name), each location's by SKU,
    then batch or serial: what a picker walks. Reads nothing more than `shipment_page` did."""
    groups: dict[int, PickGroup] = {}
    for allocation in page.allocations:
        location = allocation.stock_item.location
        groups.setdefault(location.pk, PickGroup(location=location, allocations=[]))
        groups[location.pk].allocations.append(allocation)
    for group in groups.values():
        group.allocations.sort(
            key=lambda a: (a.line.part_sku, a.stock_item.batch_code, a.stock_item.serial_number)
        )
    return sorted(groups.values(), key=lambda group: (group.location.name, group.location.pk))


@dataclass
class DeliveryNoteLine:
    line: SalesOrderLine
    ordered: Decimal
    shipped_before: Decimal  # by the order's other shipments
    shipped_now: Decimal  # by this shipment
    backordered: Decimal  # still to come: neither shipped nor cancelled


def shipment_delivery_note(page: ShipmentPage) -> list[DeliveryNoteLine]:
    """Every line of the shipment's order with what was ordered, shipped before, shipped by this
    shipment and is still backordered: one query (the lines). A pending shipment counts as
    shipped by its allocations (the note is printed before the goods leave)."""
    shipment = page.shipment
    now: dict[int, Decimal] = {}
    for allocation in page.allocations:
        now[allocation.line_id] = now.get(allocation.line_id, ZERO) + allocation.quantity
    rows = []
    for line in shipment.order.lines.order_by("sort_order", "pk"):
        shipped_now = now.get(line.pk, ZERO)
        shipped_before = line.shipped_quantity - (ZERO if shipment.is_pending else shipped_now)
        backordered = line.remaining_quantity - (shipped_now if shipment.is_pending else ZERO)
        rows.append(
            DeliveryNoteLine(
                line=line,
                ordered=line.quantity,
                shipped_before=shipped_before,
                shipped_now=shipped_now,
                backordered=max(backordered, ZERO),
            )
        )
    return rows
