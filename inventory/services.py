"""Every change of stock goes through these functions.

Each one runs in a transaction, locks the stock item row it changes (`select_for_update`),
re-checks the rules under the lock and writes a StockMovement row in the same transaction, so
the ledger always explains the quantity. They raise InventoryError subclasses (which are
ValidationErrors) with a sentence a person can act on; on error nothing is written.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.db import add_grouped_sums, add_to_counters, insert_rows, rows_sql
from core.numbers import format_quantity
from inventory.exceptions import (
    DuplicateSerialError,
    InventoryError,
    StockAllocatedError,
    StockQuantityError,
    StockUnchangedError,
)
from inventory.models import (
    Part,
    PriceBreak,
    StockItem,
    StockLocation,
    StockMovement,
)
from inventory.selectors import holding_orders

ZERO = Decimal("0")


@transaction.atomic
def part_save(*, part: Part, user: Any, price_breaks: dict[Decimal, Decimal] | None = None) -> Part:
    """Create or update a part and, when given, replace its price breaks.

    `price_breaks` is {minimum quantity: unit price}; existing breaks at a kept quantity are
    updated in place, the others removed, new ones added. Locks an existing part's row.
    Raises InventoryError at the fields (e.g. duplicate SKU, negative price; `kind` when a
    part with stock items would become a service, `unit` when its stock does not fit the
    new unit's decimals).
    """
    if part.pk:
        Part.objects.select_for_update().filter(pk=part.pk).first()
    try:
        part.full_clean()
    except ValidationError as error:
        raise InventoryError(error.error_dict) from None
    part.save()
    if price_breaks is None:
        return part
    for quantity, price in price_breaks.items():
        if quantity <= ZERO:
            raise StockQuantityError({"price_breaks": "A minimum quantity must be above zero."})
        if price < ZERO:
            raise InventoryError({"price_breaks": "A unit price cannot be negative."})
    existing = {pb.min_quantity: pb for pb in part.price_breaks.all()}
    part.price_breaks.exclude(min_quantity__in=list(price_breaks)).delete()
    changed = []
    for quantity, price in price_breaks.items():
        current = existing.get(quantity)
        if current is not None and current.unit_price != price:
            current.unit_price = price
            changed.append(current)
    PriceBreak.objects.bulk_update(changed, ["unit_price"])
    PriceBreak.objects.bulk_create(
        [
            PriceBreak(part=part, min_quantity=quantity, unit_price=price)
            for quantity, price in price_breaks.items()
            if quantity not in existing
        ]
    )
    return part


def _require_quantity_fits(part: Part, quantity: Decimal, field: str) -> None:
    refusal = part.quantity_refusal(quantity)
    if refusal:
        raise StockQuantityError({field: refusal})


def _lock(item: StockItem) -> StockItem:
    return StockItem.objects.select_for_update().select_related("part", "location").get(pk=item.pk)


def _refresh_caller_copy(item: StockItem, locked: StockItem) -> None:
    """Keep the caller's instance in step with what was written."""
    for field in ("quantity", "allocated_quantity", "status", "location_id", "updated_at"):
        setattr(item, field, getattr(locked, field))
    if "location" in item._state.fields_cache:
        item.location = locked.location


def _allocated_message(item: StockItem, action: str) -> str:
    orders = holding_orders(item)
    held_by = f" by {', '.join(orders)}" if orders else ""
    return (
        f"{format_quantity(item.allocated_quantity)} {item.part.unit} of this stock is "
        f"allocated{held_by}, so it cannot {action}. Remove those allocations first."
    )


def _record(
    item: StockItem,
    *,
    kind: str,
    delta: Decimal,
    user: Any,
    reason: str = "",
    reference: str = "",
    from_location: StockLocation | None = None,
    to_location: StockLocation | None = None,
) -> StockMovement:
    return StockMovement.objects.create(
        stock_item=item,
        part_id=item.part_id,
        kind=kind,
        quantity_delta=delta,
        quantity_after=item.quantity,
        from_location=from_location,
        to_location=to_location,
        reason=reason,
        reference=reference,
        user=user if getattr(user, "is_authenticated", False) else None,
    )


@transaction.atomic
def stock_receive(
    *,
    part: Part,
    location: StockLocation,
    quantity: Decimal,
    user: Any,
    batch_code: str = "",
    serial_number: str = "",
    expiry_date: datetime.date | None = None,
    received_date: datetime.date | None = None,
    status: str = StockItem.Status.OK,
    reference: str = "",
) -> StockItem:
    """Book goods in: create a stock item and its "received" movement.

    Raises InventoryError (at `part`) for a service part, which has no stock;
    StockQuantityError (at `quantity`) for a quantity not above zero, beyond the decimals of
    the part's unit (2.5 pcs) or a serialised item whose quantity is not 1;
    DuplicateSerialError (at `serial_number`) when the part already has an item with that
    serial number.
    """
    quantity = Decimal(quantity)
    serial_number = (serial_number or "").strip()
    if part.is_service:
        raise InventoryError(
            {"part": f"{part.name} is a service: it has no stock to receive (it is delivered)."}
        )
    if quantity <= ZERO:
        raise StockQuantityError({"quantity": "Enter a quantity above zero."})
    _require_quantity_fits(part, quantity, "quantity")
    if serial_number and quantity != 1:
        raise StockQuantityError(
            {"quantity": "A serialised item has quantity 1; receive one item per serial number."}
        )
    duplicate = DuplicateSerialError(
        {"serial_number": f"{part.sku} already has an item with serial number {serial_number}."}
    )
    if serial_number and StockItem.objects.filter(part=part, serial_number=serial_number).exists():
        raise duplicate
    item = StockItem(
        part=part,
        location=location,
        quantity=quantity,
        batch_code=(batch_code or "").strip(),
        serial_number=serial_number,
        expiry_date=expiry_date,
        received_date=received_date or timezone.localdate(),
        status=status,
    )
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # A concurrent receipt took the serial number between the check and the insert.
        if (
            serial_number
            and StockItem.objects.filter(part=part, serial_number=serial_number).exists()
        ):
            raise duplicate from None
        raise
    # Lock the new row like every other stock write does (the ledger row follows).
    item = _lock(item)
    _record(
        item,
        kind=StockMovement.Kind.RECEIVED,
        delta=quantity,
        user=user,
        reference=reference,
        to_location=location,
    )
    return item


@transaction.atomic
def stock_adjust(*, item: StockItem, new_quantity: Decimal, reason: str, user: Any) -> StockItem:
    """Set a stock item's quantity after a count, writing an "adjusted" movement of the delta.

    Locks the stock item row. Raises InventoryError (at `reason`) without a reason,
    StockQuantityError (at `new_quantity`) for a negative quantity, one beyond the decimals
    of the part's unit or more than 1 of a serialised item, StockUnchangedError when the
    quantity is already that, and StockAllocatedError when the new quantity is below what
    pending shipments hold (naming their orders).
    """
    new_quantity = Decimal(new_quantity)
    reason = (reason or "").strip()
    if not reason:
        raise InventoryError({"reason": "Say why the quantity changes (e.g. stock count)."})
    if new_quantity < ZERO:
        raise StockQuantityError({"new_quantity": "A stock quantity cannot be negative."})
    locked = _lock(item)
    _require_quantity_fits(locked.part, new_quantity, "new_quantity")
    if locked.serial_number and new_quantity > 1:
        raise StockQuantityError(
            {"new_quantity": "A serialised item has quantity 1 (or 0 when it is gone)."}
        )
    if new_quantity == locked.quantity:
        raise StockUnchangedError(
            {"new_quantity": f"The quantity is already {format_quantity(new_quantity)}."}
        )
    if new_quantity < locked.allocated_quantity:
        raise StockAllocatedError(
            {"new_quantity": _allocated_message(locked, "go below the allocated quantity")}
        )
    delta = new_quantity - locked.quantity
    locked.quantity = new_quantity
    locked.save(update_fields=["quantity", "updated_at"])
    _record(locked, kind=StockMovement.Kind.ADJUSTED, delta=delta, user=user, reason=reason)
    _refresh_caller_copy(item, locked)
    return locked


DETAIL_FIELDS = ["batch_code", "expiry_date", "received_date"]


@transaction.atomic
def stock_update_details(*, item: StockItem, user: Any, **fields: Any) -> StockItem:
    """Change a stock item's descriptive fields (see DETAIL_FIELDS), nothing else.

    Locks the stock item row and writes only the given fields, so a concurrent shipment's or
    allocation's quantity, allocated quantity and status are never written back stale; the
    caller's instance gets the current ones. Raises InventoryError (at the field) for bad input.
    """
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown stock item fields: {', '.join(sorted(unknown))}")
    locked = _lock(item)
    if "batch_code" in fields:
        fields["batch_code"] = (fields["batch_code"] or "").strip()
    for name, value in fields.items():
        setattr(locked, name, value)
    others = [field.name for field in StockItem._meta.fields if field.name not in fields]
    try:
        locked.clean_fields(exclude=others)
    except ValidationError as error:
        raise InventoryError(error.error_dict) from None
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    _refresh_caller_copy(item, locked)
    for name in fields:
        setattr(item, name, getattr(locked, name))
    return locked


@transaction.atomic
def stock_move(
    *, item: StockItem, location: StockLocation, user: Any, reason: str = ""
) -> StockItem:
    """Move a whole stock item to another location, writing a "moved" movement.

    Locks the stock item row. Allocations follow the item. Raises StockUnchangedError (at
    `location`) when it is already there.
    """
    locked = _lock(item)
    if locked.location_id == location.pk:
        raise StockUnchangedError({"location": f"This stock is already at {location}."})
    from_location = locked.location
    locked.location = location
    locked.save(update_fields=["location", "updated_at"])
    _record(
        locked,
        kind=StockMovement.Kind.MOVED,
        delta=ZERO,
        user=user,
        reason=(reason or "").strip(),
        from_location=from_location,
        to_location=location,
    )
    _refresh_caller_copy(item, locked)
    return locked


@transaction.atomic
def stock_set_status(*, item: StockItem, status: str, user: Any, reason: str = "") -> StockItem:
    """Mark a stock item OK, Damaged or Quarantined; the ledger notes the change.

    Locks the stock item row. Only OK stock can be allocated, so this raises
    StockAllocatedError (at `status`) when allocated stock would become Damaged or Quarantined
    (naming the orders), and StockUnchangedError when the status is already that.
    """
    status = StockItem.Status(status)
    locked = _lock(item)
    if locked.status == status:
        raise StockUnchangedError({"status": f"This stock is already {status.label}."})
    if status != StockItem.Status.OK and locked.allocated_quantity > ZERO:
        raise StockAllocatedError(
            {"status": _allocated_message(locked, f"be marked {status.label}")}
        )
    old = locked.get_status_display()
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    note = f"Status {old} -> {status.label}"
    reason = (reason or "").strip()
    _record(
        locked,
        kind=StockMovement.Kind.ADJUSTED,
        delta=ZERO,
        user=user,
        reason=f"{note}: {reason}" if reason else note,
    )
    _refresh_caller_copy(item, locked)
    return locked


# --- reservations and shipping, for the app that allocates stock (shipping) ------------------


def stock_reserve(*, quantities: dict[int, Decimal]) -> None:
    """Add to the allocated quantity of stock items: {stock item pk: quantity}, negative to
    release. One statement whatever the number of items.

    The caller holds the row locks of these stock items (and of whatever makes the reservation
    right: shipping locks the order, its lines, the items by pk, then the shipment) and has
    checked availability under them; the database constraint (allocated between 0 and the
    quantity on hand) still refuses an over-allocation with an IntegrityError."""
    add_to_counters(StockItem, {"allocated_quantity": quantities})


def stock_ship(
    *,
    quantities: list[tuple[int, Decimal]],
    reference: str,
    reason: str,
    user: Any,
    at: datetime.datetime,
) -> None:
    """Stock leaves with a shipment: for each (stock item pk, quantity) entry the item's
    quantity and allocated quantity go down by it and one `shipped` movement is written, in
    entry order, its quantity_after the item's running quantity (so the last movement of an
    item shows its new quantity).

    Three statements whatever the number of entries: the UPDATE of the items, one read of
    their new quantities and the INSERT of the movements. The caller holds the row locks of
    the stock items (shipping: order, lines, items by pk, shipment) and reserved these
    quantities earlier with `stock_reserve`; the database constraints refuse shipping more
    than is on hand or allocated (IntegrityError)."""
    if not quantities:
        return
    totals: dict[int, Decimal] = {}
    for pk, quantity in quantities:
        totals[pk] = totals.get(pk, ZERO) + quantity
    taken = {pk: -total for pk, total in totals.items()}
    add_to_counters(StockItem, {"quantity": taken, "allocated_quantity": taken})
    items = {
        pk: (part, location, quantity + totals[pk])
        for pk, part, location, quantity in StockItem.objects.filter(
            pk__in=list(totals)
        ).values_list("pk", "part_id", "location_id", "quantity")
    }
    reference = reference[: StockMovement._meta.get_field("reference").max_length]
    user_pk = user.pk if getattr(user, "is_authenticated", False) else None
    rows = []
    for pk, quantity in quantities:
        part, location, before = items[pk]
        after = before - quantity
        items[pk] = (part, location, after)
        rows.append((pk, part, -quantity, after, location, user_pk))
    _insert_shipped_movements(rows, reference=reference, reason=reason, at=at)


def stock_ship_rows(
    *,
    rows: QuerySet,
    reference: str,
    reason: str,
    user: Any,
    at: datetime.datetime,
) -> None:
    """`stock_ship` for rows the database already holds: `rows` is a queryset of another
    app's rows, each naming a `stock_item` and a `quantity` (shipping passes a shipment's
    allocations). Each stock item's quantity and allocated quantity go down by its rows' sum
    and one `shipped` movement is written per row, in pk order, its quantity_after the item's
    running quantity (the last movement of an item shows its new quantity).

    Two statements whatever the number of rows, both reading the rows once in the database:
    `UPDATE ... FROM (SELECT stock_item, SUM(quantity) ... GROUP BY stock_item)` and
    `INSERT ... SELECT` of the movements (a window sum gives each one's quantity_after).
    The caller holds the row locks of the stock items and reserved these quantities earlier
    (`stock_reserve`); the database constraints refuse shipping more than is on hand or
    allocated (IntegrityError)."""
    add_grouped_sums(
        StockItem,
        rows,
        key="stock_item",
        amount="quantity",
        signs={"quantity": -1, "allocated_quantity": -1},
    )
    source, source_params = rows_sql(rows, sm_pk="pk", sm_item="stock_item", sm_qty="quantity")
    movement, item = StockMovement._meta, StockItem._meta
    quote = connection.ops.quote_name
    columns = [
        "stock_item",
        "part",
        "quantity_delta",
        "quantity_after",
        "from_location",
        "kind",
        "reference",
        "reason",
        "user",
        "created_at",
    ]
    reference = reference[: movement.get_field("reference").max_length]
    user_pk = user.pk if getattr(user, "is_authenticated", False) else None
    fixed = {
        "kind": StockMovement.Kind.SHIPPED.value,
        "reference": reference,
        "reason": reason,
        "user": user_pk,
        "created_at": at,
    }
    marks, fixed_params = [], []
    for name, value in fixed.items():
        field = movement.get_field(name)
        mark = "%s"
        if connection.vendor == "postgresql":  # a bare parameter in a SELECT list is text
            mark = f"%s::{field.db_type(connection)}"
        marks.append(mark)
        fixed_params.append(field.get_db_prep_save(value, connection))
    later = (
        "SUM(r.sm_qty) OVER (PARTITION BY r.sm_item ORDER BY r.sm_pk "
        "ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
    )
    s = quote(item.db_table)
    sql = (
        f"INSERT INTO {quote(movement.db_table)} "
        f"({', '.join(quote(movement.get_field(name).column) for name in columns)}) "
        f"SELECT r.sm_item, {s}.{quote(item.get_field('part').column)}, -r.sm_qty, "
        f"{s}.{quote(item.get_field('quantity').column)} + COALESCE({later}, 0), "
        f"{s}.{quote(item.get_field('location').column)}, {', '.join(marks)} "
        f"FROM ({source}) r INNER JOIN {s} ON {s}.{quote(item.pk.column)} = r.sm_item "
        "ORDER BY r.sm_pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fixed_params, *source_params])


def stock_reserve_rows(*, rows: QuerySet, sign: int = 1) -> None:
    """`stock_reserve` for rows the database already holds: add (sign +1) or take off (-1)
    the sums of `rows` (another app's rows naming a `stock_item` and a `quantity`, e.g. the
    allocations being released) to the items' allocated quantity. One statement
    (`UPDATE ... FROM` a grouped subquery) whatever their number; the caller holds the
    items' locks and the constraint still refuses a wrong total (IntegrityError)."""
    add_grouped_sums(
        StockItem, rows, key="stock_item", amount="quantity", signs={"allocated_quantity": sign}
    )


def _insert_shipped_movements(rows, *, reference: str, reason: str, at) -> None:
    """All the movements in one statement (core.db.insert_rows)."""
    names = ["stock_item", "part", "quantity_delta", "quantity_after", "from_location", "user"]
    fixed = {"kind": StockMovement.Kind.SHIPPED.value, "reference": reference, "reason": reason}
    fixed["created_at"] = at
    tail = list(fixed.values())
    insert_rows(StockMovement, [*names, *fixed], [[*row, *tail] for row in rows])
