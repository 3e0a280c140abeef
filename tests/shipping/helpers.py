"""Builders and invariant checks shared by the shipping tests."""

from decimal import Decimal

from django.db.models import Sum

from inventory.models import StockItem, StockMovement
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Allocation, Shipment
from tests.factories import (
    PartFactory,
    SalesOrderFactory,
    SalesOrderLineFactory,
    StockItemFactory,
)

D = Decimal


def issued_order(**kwargs) -> SalesOrder:
    kwargs.setdefault("ship_to", "Acme GmbH\n1 Dock Road\nHamburg")
    kwargs.setdefault("status", SalesOrder.Status.ISSUED)
    return SalesOrderFactory(**kwargs)


def order_line(order: SalesOrder, part=None, quantity="10") -> SalesOrderLine:
    return SalesOrderLineFactory(order=order, part=part or PartFactory(), quantity=D(quantity))


def stock(part, quantity="100", **kwargs) -> StockItem:
    return StockItemFactory(part=part, quantity=D(quantity), **kwargs)


def new_shipment(order: SalesOrder, reference: str | None = None) -> Shipment:
    return Shipment.objects.create(
        order=order, reference=reference or str(order.shipments.count() + 1), address=order.ship_to
    )


def _sum(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("quantity"))["total"] or D("0")


def assert_invariants() -> None:
    """Counters equal the pending allocations; shipped equals the shipped movements."""
    pending = Allocation.objects.filter(shipment__status=Shipment.Status.PENDING)
    shipped = Allocation.objects.exclude(shipment__status=Shipment.Status.PENDING)
    for item in StockItem.objects.all():
        assert item.allocated_quantity == _sum(pending.filter(stock_item=item)), item
        assert 0 <= item.allocated_quantity <= item.quantity, item
        moved = StockMovement.objects.filter(stock_item=item, kind=StockMovement.Kind.SHIPPED)
        shipped_out = -(moved.aggregate(total=Sum("quantity_delta"))["total"] or D("0"))
        assert shipped_out == _sum(shipped.filter(stock_item=item)), item
    for line in SalesOrderLine.objects.all():
        assert line.allocated_quantity == _sum(pending.filter(line=line)), line
        if not line.is_service:  # a service's shipped quantity is delivered without stock
            assert line.shipped_quantity == _sum(shipped.filter(line=line)), line
        assert (
            line.shipped_quantity + line.cancelled_quantity + line.allocated_quantity
            <= line.quantity
        ), line
