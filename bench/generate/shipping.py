"""Shipments of generated orders, and the allocations that ship or reserve their stock."""

from __future__ import annotations

import datetime as dt

from bench.generate.run import Run
from bench.generate.stock import take
from bench.generate.words import CARRIERS
from salesorders.models import SalesOrder
from shipping.models import Allocation, Shipment


def new_shipment(run: Run, order: SalesOrder, number: int, status: str, day: dt.date, address):
    """A shipment of `order` (shipped ones with carrier and tracking), and when it happened."""
    rng = run.rng
    when = run.at(day)
    values = {
        "order_id": order.id,
        "reference": str(number),
        "status": status,
        "address": address,
        "created_at": when,
    }
    if status != Shipment.Status.PENDING:
        values.update(
            carrier=rng.choice(CARRIERS),
            tracking_number=f"TRK{rng.randint(10**9, 10**10)}",
            shipped_date=day,
            shipped_at=when,
            shipped_by_id=order.salesperson_id,
        )
        if status == Shipment.Status.DELIVERED:
            values["delivery_date"] = day + dt.timedelta(days=rng.randint(1, 5))
    run.counts[f"shipments {status}"] += 1
    return run.writer.add(Shipment, **values), when


def _add_allocation(run: Run, line, item, shipment, quantity, when: dt.datetime) -> None:
    run.writer.add(
        Allocation,
        line_id=line.id,
        stock_item_id=item.id,
        shipment_id=shipment.id,
        quantity=quantity,
        created_at=when,
    )


def ship(run: Run, order: SalesOrder, shipment: Shipment, lines: list, when: dt.datetime) -> None:
    """Ship what stock allows of each line's remainder in `shipment` (already shipped); the
    items' ledger rows are written with the stock (`run.movements`)."""
    # What the ledger row needs, not the order and shipment: holding every shipped order's
    # instance until the stock is written was most of the run's memory. The reference is the
    # shipment's, one string for all its rows, and equal deltas share one Decimal: at 300,000
    # orders the 2.4 million rows held until then took half a gigabyte as separate objects.
    reference = f"{order.reference} shipment {shipment.reference} to {order.customer_name}"
    deltas = run.shared_deltas
    for line in lines:
        if line.is_service:  # delivered, not shipped: counted in shipped_quantity
            line.shipped_quantity += line.remaining_quantity
            line.delivered_at, line.delivered_by_id = when, order.salesperson_id
            continue
        item, quantity = take(run, line.part, line.remaining_quantity)
        if item is None or quantity <= 0:
            continue
        item.shipped += quantity
        line.shipped_quantity += quantity
        _add_allocation(run, line, item, shipment, quantity, when)
        delta = deltas.setdefault(quantity, -quantity)
        # Flat, five values a row, no tuple per row (build_stock groups them again).
        run.movements[item.id].extend((when, shipment.id, delta, reference, order.salesperson_id))


def allocate(run: Run, shipment: Shipment, lines: list, when: dt.datetime) -> None:
    """Reserve what stock allows of each line's unallocated remainder in a pending shipment."""
    for line in lines:
        if line.is_service:  # services need no stock
            continue
        item, quantity = take(run, line.part, line.unallocated_quantity)
        if item is None or quantity <= 0:
            continue
        item.pending += quantity
        line.allocated_quantity += quantity
        _add_allocation(run, line, item, shipment, quantity, when)
