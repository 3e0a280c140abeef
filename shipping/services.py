"""Every write of shipping that has a rule: shipments, stock allocations, completing shipments.

Lock order everywhere (DESIGN.md): SalesOrder -> SalesOrderLine -> StockItem (by pk) -> Shipment,
each with `select_for_update()`. Every change of an allocation locks its order first, so while a
transaction holds an order's lock, the allocations of that order's shipments cannot change.

The counters `StockItem.allocated_quantity` and `SalesOrderLine.allocated_quantity` count the
allocations in pending shipments. Their owners write them: this module works out the amounts
under the row locks and asks inventory (`stock_reserve`, `stock_ship`) and salesorders
(`salesorder_lines_adjust`) to apply them; database constraints refuse any write that would
over-allocate even so. Every write here that changes an order's shipments or allocations bumps
the order's version (`salesorder_touch`) in its transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from core.db import add_to_counters, insert_rows
from core.numbers import format_quantity as qty
from inventory.models import StockItem, format_per_unit, format_unit_quantity, quantities_by_unit
from inventory.services import stock_reserve, stock_reserve_rows, stock_ship_rows
from salesorders import services as order_services
from salesorders.models import SalesOrder, SalesOrderEvent, SalesOrderLine
from salesorders.services import (
    salesorder_change_record,
    salesorder_event_record,
    salesorder_lines_adjust,
    salesorder_lines_adjust_rows,
)
from shipping.exceptions import (
    AllocationError,
    AlreadyDeletedError,
    AlreadyDeliveredError,
    AlreadyShippedError,
    OrderNotIssuedError,
    ShipmentStateError,
    ShippingError,
)
from shipping.models import Allocation, Shipment
from shipping.selectors import backorder_orders

Kind = SalesOrderEvent.Kind
User = AbstractBaseUser
ZERO = Decimal("0")
STEP = Decimal("0.0001")  # quantities are stored with 4 decimal places


# --- small helpers -----------------------------------------------------------------------------


def line_label(line: SalesOrderLine, order: SalesOrder | None = None) -> str:
    reference = order.reference if order is not None else line.order.reference
    return f"line {line.part_sku} ({line.part_name}) of {reference}"


def item_label(item: StockItem) -> str:
    return f"stock item #{item.pk} ({item})"


def is_expired(item: StockItem, today: datetime.date | None = None) -> bool:
    """Stock past its expiry date may not be allocated; it is usable on the expiry day itself."""
    today = today or timezone.localdate()
    return item.expiry_date is not None and item.expiry_date < today


def _lock_order(order_pk: int) -> SalesOrder:
    return SalesOrder.objects.select_for_update().get(pk=order_pk)


def _lock_lines(line_pks: list[int]) -> dict[int, SalesOrderLine]:
    rows = SalesOrderLine.objects.select_for_update().filter(pk__in=list(line_pks)).order_by("pk")
    return {line.pk: line for line in rows}


def _lock_items(item_pks: list[int]) -> dict[int, StockItem]:
    rows = (
        StockItem.objects.select_for_update(of=("self",))
        .select_related("part", "location")
        .filter(pk__in=list(item_pks))
        .order_by("pk")
    )
    return {item.pk: item for item in rows}


def _lock_rows_of(model, pks: QuerySet) -> list[int]:
    """Lock the rows whose pks `pks` (a values queryset of another table, e.g. a shipment's
    allocations' lines) names, in pk order, reading their pks only: one statement with a
    subquery, however many rows (no list of pks travels to the database and back)."""
    return list(
        model.objects.select_for_update(of=("self",))
        .filter(pk__in=pks.order_by())
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_shipment(shipment_pk: int) -> Shipment:
    return Shipment.objects.select_for_update().get(pk=shipment_pk)


def _require_issued(order: SalesOrder, doing: str) -> None:
    if not order.can_ship():
        raise OrderNotIssuedError(
            f"{order} is {order.get_status_display()}: {doing} only on an issued order."
        )


def _require_pending(shipment: Shipment, order: SalesOrder, doing: str) -> None:
    if shipment.order_id != order.pk:
        raise ShipmentStateError(f"Shipment {shipment.reference} does not belong to {order}.")
    if not shipment.is_pending:
        raise ShipmentStateError(
            f"Shipment {shipment.reference} of {order} is {shipment.get_status_display()}: "
            f"{doing} only on a pending shipment."
        )


def _totals(
    allocations: QuerySet,
) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, str]]:
    """What `allocations` hold per line and per stock item: {pk: quantity} twice, and each
    line's unit {line pk: unit}, from one aggregate query (grouped by line and stock item),
    whatever their number."""
    per_line: dict[int, Decimal] = {}
    per_item: dict[int, Decimal] = {}
    units: dict[int, str] = {}
    rows = (
        allocations.order_by()
        .values("line", "stock_item", "line__unit")
        .annotate(total=Sum("quantity"))
        # Units in line order ("40 pcs and 3.00 m"). By the columns themselves: ordering by
        # "line" would follow the line's and the order's default ordering and join the
        # order row for every allocation.
        .order_by("line__sort_order", "line_id", "stock_item_id")
    )
    for row in rows:
        per_line[row["line"]] = per_line.get(row["line"], ZERO) + row["total"]
        per_item[row["stock_item"]] = per_item.get(row["stock_item"], ZERO) + row["total"]
        units[row["line"]] = row["line__unit"]
    return per_line, per_item, units


def _negated(amounts: dict[int, Decimal]) -> dict[int, Decimal]:
    return {pk: -amount for pk, amount in amounts.items()}


def _release(
    allocations: QuerySet, per_line: dict[int, Decimal], units: dict[int, str]
) -> dict[str, Decimal]:
    """Take pending allocations off the reserved counters and delete them: the one release
    of shipping (Remove, Delete Shipment, Cancel Order, Cancel Remaining). Returns what was
    released per unit ({"pcs": 40, "m": 3}; `per_line` and `units` are each line's amount
    and unit, from `_totals`): quantities of different units are never added.

    Three statements whatever the number of allocations: the stock items' and the lines'
    counters each in one `UPDATE ... FROM` the allocations grouped (their owners'
    `stock_reserve_rows`, `salesorder_lines_adjust_rows`), then the DELETE. The caller holds
    the locks of the order, the lines and the stock items (by pk) they name, then of the
    shipments, and has checked they are pending."""
    stock_reserve_rows(rows=allocations, sign=-1)
    salesorder_lines_adjust_rows(rows=allocations, allocated=-1)
    allocations.delete()
    return quantities_by_unit((units[pk], quantity) for pk, quantity in per_line.items())


def _as_quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AllocationError(f"{value!r} is not a quantity.") from None
    if not quantity.is_finite():
        raise AllocationError(f"{value!r} is not a quantity.")
    return quantity


# --- shipments ---------------------------------------------------------------------------------


REFERENCE_LENGTH = Shipment._meta.get_field("reference").max_length
CARRIER_LENGTH = Shipment._meta.get_field("carrier").max_length


def next_shipment_reference(order: SalesOrder) -> str:
    """The number after the highest numeric reference of the order's shipments ("1", "2", ...).

    Only ASCII digits count ("²" or "٣" are not numbers here). Should that number no longer
    fit the reference field, the lowest free number is used instead."""
    taken = set(Shipment.objects.filter(order=order).values_list("reference", flat=True))
    numbers = [int(ref) for ref in taken if ref.isascii() and ref.isdecimal()]
    number = max(numbers, default=0) + 1
    if len(str(number)) > REFERENCE_LENGTH:
        number = 1
    while str(number) in taken:
        number += 1
    return str(number)


def _check_length(label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ShipmentStateError(
            f"A shipment {label} has at most {limit} characters, not {len(value)}."
        )


@transaction.atomic
def shipment_create(
    *,
    order: SalesOrder,
    user: User | None,
    reference: str = "",
    carrier: str = "",
    address: str | None = None,
    notes: str = "",
) -> Shipment:
    """Open a pending shipment on an issued order. Locks the order row.

    The reference defaults to the next number, the address to the order's ship-to snapshot.
    Raises OrderNotIssuedError, ShipmentStateError (reference already used, or longer than
    the field)."""
    order = _lock_order(order.pk)
    _require_issued(order, "shipments can be created")
    reference = (reference or "").strip() or next_shipment_reference(order)
    carrier = (carrier or "").strip()
    _check_length("reference", reference, REFERENCE_LENGTH)
    _check_length("carrier", carrier, CARRIER_LENGTH)
    if Shipment.objects.filter(order=order, reference=reference).exists():
        raise ShipmentStateError(f"{order} already has a shipment with reference {reference}.")
    shipment = Shipment.objects.create(
        order=order,
        reference=reference,
        carrier=carrier,
        address=order.ship_to if address is None else address,
        notes=notes,
        created_by=user,
    )
    salesorder_change_record(
        order=order,
        kind=Kind.SHIPMENT_CREATED,
        message=f"Shipment {reference} created.",
        user=user,
    )
    return shipment


EDITABLE_WHEN_SHIPPED = {"carrier", "tracking_number", "notes"}


@transaction.atomic
def shipment_update(
    *,
    shipment: Shipment,
    user: User | None,
    reference: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
    address: str | None = None,
    notes: str | None = None,
) -> Shipment:
    """Change a shipment's details (None leaves a field as it is). Locks order and shipment.

    A shipped shipment keeps its reference and address; carrier, tracking number and notes may
    still be corrected. Raises ShipmentStateError."""
    order = _lock_order(shipment.order_id)
    shipment = _lock_shipment(shipment.pk)
    changes = {
        name: value
        for name, value in {
            "reference": reference.strip() if reference is not None else None,
            "carrier": carrier.strip() if carrier is not None else None,
            "tracking_number": tracking_number.strip() if tracking_number is not None else None,
            "address": address,
            "notes": notes,
        }.items()
        if value is not None and value != getattr(shipment, name)
    }
    if not changes:
        return shipment
    for name in ("reference", "carrier", "tracking_number"):
        if name in changes:
            limit = Shipment._meta.get_field(name).max_length
            _check_length(name.replace("_", " "), changes[name], limit)
    if not shipment.is_pending and set(changes) - EDITABLE_WHEN_SHIPPED:
        fixed = ", ".join(sorted(set(changes) - EDITABLE_WHEN_SHIPPED))
        raise ShipmentStateError(
            f"Shipment {shipment.reference} of {order} has shipped: its {fixed} can no longer "
            "change."
        )
    if "reference" in changes:
        if not changes["reference"]:
            raise ShipmentStateError("A shipment needs a reference.")
        taken = Shipment.objects.filter(order=order, reference=changes["reference"])
        if taken.exclude(pk=shipment.pk).exists():
            raise ShipmentStateError(
                f"{order} already has a shipment with reference {changes['reference']}."
            )
    for name, value in changes.items():
        setattr(shipment, name, value)
    shipment.save(update_fields=list(changes))
    salesorder_change_record(
        order=order,
        kind=Kind.SHIPMENT_CHANGED,
        message=f"Shipment {shipment.reference}: {', '.join(sorted(changes))} changed.",
        user=user,
    )
    return shipment


@transaction.atomic
def shipment_delete(*, shipment: Shipment, user: User | None) -> None:
    """Delete a pending shipment and release its allocations.

    Locks the order, the lines and stock items it allocates from, then the shipment.
    Raises ShipmentStateError when it has shipped."""
    order = _lock_order(shipment.order_id)
    allocations = Allocation.objects.filter(shipment_id=shipment.pk)
    per_line, _per_item, units = _totals(allocations)
    _lock_rows_of(SalesOrderLine, allocations.values("line"))
    _lock_rows_of(StockItem, allocations.values("stock_item"))
    try:
        shipment = _lock_shipment(shipment.pk)
    except Shipment.DoesNotExist:
        raise AlreadyDeletedError("That shipment was already deleted.") from None
    if not shipment.is_pending:
        raise ShipmentStateError(
            f"Shipment {shipment.reference} of {order} has shipped and cannot be deleted."
        )
    _release(allocations, per_line, units)
    shipment.delete()
    salesorder_change_record(
        order=order,
        kind=Kind.SHIPMENT_DELETED,
        message=f"Shipment {shipment.reference} deleted; its allocations were released.",
        user=user,
    )


@transaction.atomic
def shipment_complete(
    *,
    shipment: Shipment,
    user: User | None,
    carrier: str = "",
    tracking_number: str = "",
    shipped_date: datetime.date | None = None,
) -> Shipment:
    """Ship a pending shipment: its allocated stock leaves the stock items and counts as shipped.

    One transaction; locks the order, the lines, the stock items (by pk) and the shipment. The
    number of queries does not depend on the number of allocations: one read of the
    allocations, then inventory's `stock_ship` (quantities and one `shipped` movement per
    allocation) and salesorders' `salesorder_lines_adjust` (the line counters).
    Raises AlreadyShippedError on a second attempt, ShipmentStateError when nothing is
    allocated, OrderNotIssuedError when the order is not issued."""
    order = _lock_order(shipment.order_id)
    try:
        current = Shipment.objects.get(pk=shipment.pk)
    except Shipment.DoesNotExist:
        raise ShipmentStateError("That shipment no longer exists.") from None
    if not current.is_pending:
        raise AlreadyShippedError(
            f"Shipment {current.reference} of {order} was already shipped"
            + (f" on {current.shipped_date:%d %b %Y}." if current.shipped_date else ".")
        )
    _require_issued(order, "shipments can be completed")
    # The order lock keeps the allocations as they are; every write below reads them in the
    # database (one movement each), none sends them back and forth.
    allocations = Allocation.objects.filter(shipment_id=shipment.pk)
    if not _lock_rows_of(SalesOrderLine, allocations.values("line")):
        raise ShipmentStateError(
            f"Shipment {current.reference} of {order} has no stock allocated: allocate stock "
            "before completing it."
        )
    _lock_rows_of(StockItem, allocations.values("stock_item"))
    shipment = _lock_shipment(shipment.pk)

    shipped_date = shipped_date or timezone.localdate()
    now = timezone.now()
    stock_ship_rows(
        rows=allocations,
        reference=f"{order.reference} shipment {shipment.reference} to {order.customer_name}",
        reason=f"Shipped to {order.customer_name} on order {order.reference}.",
        user=user,
        at=now,
    )
    salesorder_lines_adjust_rows(rows=allocations, allocated=-1, shipped=1)

    shipment.status = Shipment.Status.SHIPPED
    shipment.shipped_date = shipped_date
    shipment.shipped_at = now
    shipment.shipped_by = user
    fields = ["status", "shipped_date", "shipped_at", "shipped_by"]
    if carrier.strip():
        shipment.carrier = carrier.strip()
        fields.append("carrier")
    if tracking_number.strip():
        shipment.tracking_number = tracking_number.strip()
        fields.append("tracking_number")
    shipment.save(update_fields=fields)
    shipment.order = order

    tracking = f", tracking {shipment.tracking_number}" if shipment.tracking_number else ""
    carried = f" with {shipment.carrier}" if shipment.carrier else ""
    salesorder_change_record(
        order=order,
        kind=Kind.SHIPMENT_SHIPPED,
        message=f"Shipment {shipment.reference} shipped{carried}{tracking}.",
        user=user,
    )
    return shipment


@transaction.atomic
def shipment_mark_delivered(
    *, shipment: Shipment, user: User | None, delivery_date: datetime.date | None = None
) -> Shipment:
    """Record the delivery date of a shipped shipment. Locks order and shipment.

    Raises AlreadyDeliveredError when it was already delivered on that date (another date
    corrects it), ShipmentStateError when it has not shipped or the date is before the ship
    date."""
    order = _lock_order(shipment.order_id)
    shipment = _lock_shipment(shipment.pk)
    if shipment.is_pending:
        raise ShipmentStateError(
            f"Shipment {shipment.reference} of {order} has not shipped yet, so it cannot have "
            "been delivered."
        )
    delivery_date = delivery_date or timezone.localdate()
    if shipment.status == Shipment.Status.DELIVERED and shipment.delivery_date == delivery_date:
        raise AlreadyDeliveredError(
            f"Shipment {shipment.reference} of {order} was already delivered on "
            f"{delivery_date:%d %b %Y}."
        )
    if shipment.shipped_date and delivery_date < shipment.shipped_date:
        raise ShipmentStateError(
            f"Shipment {shipment.reference} shipped on {shipment.shipped_date:%d %b %Y}; it "
            f"cannot have been delivered before, on {delivery_date:%d %b %Y}."
        )
    shipment.status = Shipment.Status.DELIVERED
    shipment.delivery_date = delivery_date
    shipment.save(update_fields=["status", "delivery_date"])
    salesorder_change_record(
        order=order,
        kind=Kind.SHIPMENT_DELIVERED,
        message=f"Shipment {shipment.reference} delivered on {delivery_date:%d %b %Y}.",
        user=user,
    )
    return shipment


# --- allocations -------------------------------------------------------------------------------


def _check_allocation(
    *,
    order: SalesOrder,
    line: SalesOrderLine,
    item: StockItem,
    shipment: Shipment,
    quantity: Decimal,
) -> None:
    """Every rule of allocating `quantity` of `item` to `line` in `shipment`, on locked rows."""
    _require_issued(order, "stock can be allocated")
    _require_pending(shipment, order, "stock can be allocated")
    what = line_label(line, order)
    if line.is_service:
        raise AllocationError(
            f"{what[:1].upper()}{what[1:]} is a service: it needs no stock, so nothing can be "
            "allocated to it; use Mark Delivered on the order page when it has been given."
        )
    if item.part_id != line.part_id:
        raise AllocationError(
            f"{item_label(item).capitalize()} is stock of {item.part.sku}, not of {what} "
            f"({line.part_sku}); it cannot be allocated to it."
        )
    if item.status != StockItem.Status.OK:
        raise AllocationError(
            f"{item_label(item).capitalize()} is {item.get_status_display()}: only OK stock "
            f"can be allocated to {what}."
        )
    if is_expired(item):
        raise AllocationError(
            f"{item_label(item).capitalize()} expired on {item.expiry_date:%d %b %Y} and "
            f"cannot be allocated to {what}."
        )
    if quantity <= 0:
        raise AllocationError(
            f"Allocate a quantity above zero to {what} from {item_label(item)}, "
            f"not {qty(quantity)}."
        )
    if quantity != quantity.quantize(STEP):
        raise AllocationError(
            f"{qty(quantity)} has more than 4 decimal places; allocate a rounder quantity to "
            f"{what}."
        )
    refusal = line.quantity_refusal(quantity)
    if refusal:
        raise AllocationError(refusal)
    if item.serial_number and quantity != 1:
        raise AllocationError(
            f"{item_label(item).capitalize()} is serialised and is allocated whole: "
            f"quantity 1 to {what}, not {qty(quantity)}."
        )
    unallocated = line.quantity - line.shipped_quantity - line.cancelled_quantity
    unallocated -= line.allocated_quantity
    if quantity > unallocated:
        raise AllocationError(
            f"Cannot allocate {qty(quantity)} to {what} from {item_label(item)}: the line needs "
            f"only {qty(max(unallocated, ZERO))} more ({qty(line.quantity)} ordered, "
            f"{qty(line.shipped_quantity)} shipped, {qty(line.cancelled_quantity)} cancelled, "
            f"{qty(line.allocated_quantity)} allocated)."
        )
    available = item.quantity - item.allocated_quantity
    if quantity > available:
        raise AllocationError(
            f"Cannot allocate {qty(quantity)} to {what} from {item_label(item)}: only "
            f"{qty(max(available, ZERO))} available ({qty(item.quantity)} on hand, "
            f"{qty(item.allocated_quantity)} allocated to pending shipments)."
        )


@transaction.atomic
def allocation_create(
    *,
    line: SalesOrderLine,
    stock_item: StockItem,
    shipment: Shipment,
    quantity: Decimal,
    user: User | None,
) -> Allocation:
    """Reserve `quantity` of a stock item for an order line in a pending shipment.

    Locks the order, the line, the stock item and the shipment, then checks every rule on the
    locked rows. Allocating more of the same item to the same line and shipment increases the
    existing allocation. Raises OrderNotIssuedError, ShipmentStateError, AllocationError."""
    quantity = _as_quantity(quantity)
    order = _lock_order(line.order_id)
    line = _lock_lines([line.pk])[line.pk]
    if shipment.order_id != order.pk:
        raise ShipmentStateError(
            f"Shipment {shipment.reference} does not belong to {order}, the order of "
            f"{line_label(line, order)}."
        )
    try:
        item = _lock_items([stock_item.pk])[stock_item.pk]
    except KeyError:
        raise AllocationError("That stock item no longer exists.") from None
    try:
        shipment = _lock_shipment(shipment.pk)
    except Shipment.DoesNotExist:
        raise ShipmentStateError("That shipment no longer exists.") from None
    _check_allocation(order=order, line=line, item=item, shipment=shipment, quantity=quantity)

    try:
        with transaction.atomic():
            stock_reserve(quantities={item.pk: quantity})
            salesorder_lines_adjust(allocated={line.pk: quantity})
    except IntegrityError:
        # Only reachable if a lock was missed somewhere: the constraints still hold the line.
        raise AllocationError(
            f"Cannot allocate {qty(quantity)} to {line_label(line, order)} from "
            f"{item_label(item)}: it would allocate more than is there."
        ) from None
    allocation = Allocation.objects.filter(line=line, stock_item=item, shipment=shipment).first()
    if allocation is None:
        allocation = Allocation.objects.create(
            line=line, stock_item=item, shipment=shipment, quantity=quantity, created_by=user
        )
    else:
        allocation.quantity += quantity
        Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + quantity)
    salesorder_change_record(
        order=order,
        kind=Kind.ALLOCATED,
        message=(
            f"{format_unit_quantity(quantity, line.unit)} of {line.part_sku} allocated from "
            f"{item_label(item)} to shipment {shipment.reference}."
        ),
        user=user,
    )
    return allocation


@transaction.atomic
def allocation_delete(*, allocation: Allocation, user: User | None) -> None:
    """Release an allocation of a pending shipment. Locks order, line, stock item, shipment.

    Raises ShipmentStateError when the shipment has shipped (the allocation is then history)."""
    try:
        current = Allocation.objects.select_related("shipment").get(pk=allocation.pk)
    except Allocation.DoesNotExist:
        raise AlreadyDeletedError("That allocation was already removed.") from None
    order = _lock_order(current.shipment.order_id)
    line = _lock_lines([current.line_id])[current.line_id]
    item = _lock_items([current.stock_item_id])[current.stock_item_id]
    shipment = _lock_shipment(current.shipment_id)
    try:
        current = Allocation.objects.get(pk=allocation.pk)
    except Allocation.DoesNotExist:
        raise AlreadyDeletedError("That allocation was already removed.") from None
    _require_pending(shipment, order, "allocations can be removed")
    _release(
        Allocation.objects.filter(pk=current.pk), {line.pk: current.quantity}, {line.pk: line.unit}
    )
    salesorder_change_record(
        order=order,
        kind=Kind.ALLOCATION_REMOVED,
        message=(
            f"{format_unit_quantity(current.quantity, line.unit)} of {line.part_sku} from "
            f"{item_label(item)} released from shipment {shipment.reference}."
        ),
        user=user,
    )


# --- auto allocate -----------------------------------------------------------------------------


@dataclass
class AutoAllocateResult:
    """What Auto Allocate did for one order: what it allocated, and what it could not cover.

    `allocated` holds (line, stock item, quantity); each stock item carries its pk, part and
    the quantities read when it was chosen (not its location or other details)."""

    order: SalesOrder
    shipment: Shipment
    allocated: list[tuple[SalesOrderLine, StockItem, Decimal]] = field(default_factory=list)
    short: list[tuple[SalesOrderLine, Decimal]] = field(default_factory=list)

    def allocated_by_unit(self) -> dict[str, Decimal]:
        """What was allocated per unit ({"pcs": 40, "m": 3}): never added across units."""
        return quantities_by_unit((line.unit, quantity) for line, _, quantity in self.allocated)

    @property
    def complete(self) -> bool:
        return not self.short

    def summary(self) -> str:
        if not self.allocated and not self.short:
            return f"{self.order}: nothing left to allocate."
        parts = []
        if self.allocated:
            lines = {line.pk for line, _, _ in self.allocated}
            parts.append(
                f"{self.order}: allocated {format_per_unit(self.allocated_by_unit())} from "
                f"{len(self.allocated)} stock item(s) to {len(lines)} line(s) in shipment "
                f"{self.shipment.reference}."
            )
        else:
            parts.append(f"{self.order}: no stock could be allocated.")
        if self.short:
            missing = "; ".join(
                f"{line.part_sku} {format_unit_quantity(quantity, line.unit)}"
                for line, quantity in self.short
            )
            parts.append(f"Not enough stock for: {missing}.")
        return " ".join(parts)


@transaction.atomic
def order_auto_allocate(
    *,
    order: SalesOrder,
    shipment: Shipment,
    user: User | None,
    line: SalesOrderLine | None = None,
    parts: Collection[int] | None = None,
) -> AutoAllocateResult:
    """Fill every unallocated remainder of the order (or one line, or the lines of `parts`,
    part pks) into a pending shipment.

    Takes available OK, unexpired stock in `StockItem.objects.allocatable()` order (oldest
    received first, then soonest expiring, items without an expiry date last, then pk),
    partially where stock is short. Locks the order, its
    lines, the candidate stock items (by pk) and the shipment; availability is re-read under the
    locks. Raises OrderNotIssuedError, ShipmentStateError."""
    order = _lock_order(order.pk)
    _require_issued(order, "stock can be allocated")
    if shipment.order_id != order.pk:
        raise ShipmentStateError(f"Shipment {shipment.reference} does not belong to {order}.")
    lines_qs = SalesOrderLine.objects.filter(order=order).goods()  # services need no stock
    if line is not None:
        if line.order_id != order.pk:
            raise AllocationError(f"{line_label(line)} is not a line of {order}.")
        lines_qs = lines_qs.filter(pk=line.pk)
    if parts is not None:
        lines_qs = lines_qs.filter(part_id__in=list(parts))
    lines = list(lines_qs.select_for_update().order_by("pk"))
    lines.sort(key=lambda each: (each.sort_order, each.pk))
    needs = {each.pk: each.unallocated_quantity for each in lines}
    wanted_parts = sorted({each.part_id for each in lines if needs[each.pk] > 0})

    # Candidate stock: locked by pk through a subquery, then read in allocation order as
    # plain rows (the few columns the choice needs); a StockItem is made only for what is
    # taken. Building thousands of instances with their part and location cost seconds.
    items_by_part: dict[int, list[tuple]] = {}
    if wanted_parts:
        candidates = StockItem.objects.allocatable().filter(part_id__in=wanted_parts)
        locked = _lock_rows_of(StockItem, candidates.values("pk"))
        rows = (
            StockItem.objects.allocatable()
            .filter(pk__in=locked)
            .values_list("pk", "part_id", "quantity", "allocated_quantity", "serial_number")
        )
        for row in rows:  # re-read under the locks, in allocation order
            items_by_part.setdefault(row[1], []).append(row)

    try:
        shipment = _lock_shipment(shipment.pk)
    except Shipment.DoesNotExist:
        raise ShipmentStateError("That shipment no longer exists.") from None
    _require_pending(shipment, order, "stock can be allocated")

    result = AutoAllocateResult(order=order, shipment=shipment)
    available = {
        pk: quantity - allocated
        for items in items_by_part.values()
        for pk, _part, quantity, allocated, _serial in items
    }
    taken_items: dict[int, StockItem] = {}
    for each in lines:
        need = needs[each.pk]
        if need <= 0:
            continue
        for pk, part_pk, quantity, allocated, serial_number in items_by_part.get(each.part_id, []):
            if need <= 0:
                break
            # Whole pieces stay whole: a stock item holding 2.5 pcs gives 2.
            take = min(need, available[pk]).quantize(each.quantity_step, rounding=ROUND_DOWN)
            if serial_number:
                take = Decimal("1") if take >= 1 else ZERO
            if take <= 0:
                continue
            available[pk] -= take
            need -= take
            if pk not in taken_items:  # what the result names (pk, part, quantities read)
                taken_items[pk] = StockItem(
                    pk=pk,
                    part_id=part_pk,
                    quantity=quantity,
                    allocated_quantity=allocated,
                    serial_number=serial_number,
                )
            result.allocated.append((each, taken_items[pk], take))
        if need > 0:
            result.short.append((each, need))

    if result.allocated:
        _write_allocations(result, user)
        salesorder_change_record(
            order=order, kind=Kind.AUTO_ALLOCATED, message=result.summary(), user=user
        )
    return result


def _write_allocations(result: AutoAllocateResult, user: User | None) -> None:
    """Store Auto Allocate's choices with a constant number of queries whatever their number
    (and on SQLite too, where `bulk_create` splits a few hundred rows into several INSERTs):
    the shipment's existing allocations read once, the counters, the new rows in one INSERT,
    the grown ones in one UPDATE."""
    shipment = result.shipment
    existing = {
        (line_pk, item_pk): pk
        for line_pk, item_pk, pk in Allocation.objects.filter(shipment_id=shipment.pk)
        .order_by()  # no default ordering: it would join every line's order
        .values_list("line_id", "stock_item_id", "pk")
    }
    new: dict[tuple[int, int], Decimal] = {}
    grown: dict[int, Decimal] = {}
    item_deltas: dict[int, Decimal] = {}
    line_deltas: dict[int, Decimal] = {}
    for line, item, quantity in result.allocated:
        item_deltas[item.pk] = item_deltas.get(item.pk, ZERO) + quantity
        line_deltas[line.pk] = line_deltas.get(line.pk, ZERO) + quantity
        pk = existing.get((line.pk, item.pk))
        if pk is None:
            new[line.pk, item.pk] = new.get((line.pk, item.pk), ZERO) + quantity
        else:
            grown[pk] = grown.get(pk, ZERO) + quantity
    stock_reserve(quantities=item_deltas)
    salesorder_lines_adjust(allocated=line_deltas)
    now, user_pk = timezone.now(), user.pk if user is not None else None
    insert_rows(
        Allocation,
        ["line", "stock_item", "shipment", "quantity", "created_at", "created_by"],
        [
            [line_pk, item_pk, shipment.pk, quantity, now, user_pk]
            for (line_pk, item_pk), quantity in new.items()
        ],
    )
    add_to_counters(Allocation, {"quantity": grown})


def backorders_auto_allocate(
    *, user: User | None, orders: list[int] | None = None, parts: list[int] | None = None
) -> list[AutoAllocateResult]:
    """Auto Allocate issued orders in priority order (priority, then target date).

    Each order is its own transaction: it uses the order's newest pending shipment, or a new
    one that is kept only if something was allocated to it. `orders` restricts to those order
    pks; `parts` (part pks) allocates only lines of those parts. Returns one result per order
    touched."""
    candidates = backorder_orders()
    if orders is not None:
        candidates = candidates.filter(pk__in=list(orders))
    stock = StockItem.objects.allocatable()
    if parts is not None:
        candidates = candidates.filter(lines__part__in=parts).distinct()
        stock = stock.filter(part_id__in=parts)
    results = []
    for order in list(candidates):
        if not stock.filter(part__sales_order_lines__order=order).exists():
            continue
        try:
            with transaction.atomic():
                shipment = Shipment.objects.filter(order=order).pending().order_by("-pk").first()
                created = shipment is None
                if created:
                    shipment = shipment_create(order=order, user=user)
                result = order_auto_allocate(order=order, shipment=shipment, user=user, parts=parts)
                if created and not result.allocated:
                    transaction.set_rollback(True)
                    continue
        except ShippingError:
            continue  # the order changed state meanwhile; leave it
        results.append(result)
    return results


# --- cancelling orders and lines: release their stock, then ask salesorders -------------------


def _lock_pending_of(allocations: QuerySet):
    """Under the order and line locks: what `allocations` (pending ones) hold per line and
    each line's unit (as `_totals` gives them), with their stock items locked (by pk) and
    then their shipments."""
    per_line, _per_item, units = _totals(allocations)
    _lock_rows_of(StockItem, allocations.values("stock_item"))
    _lock_rows_of(Shipment, allocations.values("shipment"))
    return per_line, units


@transaction.atomic
def salesorder_cancel(
    *,
    order: SalesOrder,
    user: User | None,
    reason: str = "",
    expected_version: int | None = None,
) -> SalesOrder:
    """Cancel Order: release the stock its pending shipments reserve, delete those shipments,
    then cancel the order (salesorders' `salesorder_cancel` changes the status).

    Locks the order, all its lines, the reserved stock items (by pk), then its pending
    shipments. The transition is checked before anything is released. Raises StaleOrderError
    for a stale `expected_version`, OrderStateError when the order cannot be cancelled
    (Complete/Cancelled, or something has shipped: use Cancel Remaining)."""
    order = order_services.salesorder_lock(
        order=order, expected_version=expected_version, action="cancel"
    )
    list(  # every line, before the stock items: salesorders re-reads them all
        SalesOrderLine.objects.select_for_update()
        .filter(order=order)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pending = Allocation.objects.filter(line__order=order).pending()
    per_line, units = _lock_pending_of(pending)
    shipments = list(
        Shipment.objects.select_for_update().filter(order=order).pending().order_by("pk")
    )
    released = _release(pending, per_line, units)
    if shipments:
        Shipment.objects.filter(pk__in=[each.pk for each in shipments]).delete()
        references = ", ".join(each.reference for each in shipments)
        plural = "s" if len(shipments) > 1 else ""
        salesorder_event_record(
            order=order,
            kind=Kind.SHIPMENT_DELETED,
            message=f"Pending shipment{plural} {references} deleted with the order; "
            "the stock reserved in them was released.",
            user=user,
        )
    return order_services.salesorder_cancel(
        order=order,
        user=user,
        reason=reason,
        expected_version=order.version,
        released=released,
    )


@transaction.atomic
def salesorderline_cancel_remaining(
    *, line: SalesOrderLine, user: User | None, expected_version: int | None = None
) -> SalesOrderLine:
    """Cancel Remaining of one line: release the stock pending shipments reserve for it, then
    cancel what is left to ship (salesorders' `salesorder_line_cancel_remaining`).

    Locks the order, the line, the reserved stock items (by pk), then their shipments (which
    stay, pending, with their other allocations). The rules are checked before anything is
    released. Raises StaleOrderError, OrderStateError (the order is not Issued or On Hold),
    LineError (nothing left to cancel)."""
    order, line = order_services.salesorder_line_lock_for_cancel(
        line=line, expected_version=expected_version
    )
    pending = Allocation.objects.filter(line=line).pending()
    per_line, units = _lock_pending_of(pending)
    released = _release(pending, per_line, units)
    return order_services.salesorder_line_cancel_remaining(
        line=line, user=user, expected_version=order.version, released=released
    )
