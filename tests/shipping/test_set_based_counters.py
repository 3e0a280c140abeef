"""Complete Shipment, Delete Shipment and Cancel Order write the counters of any number of
allocations in a constant number of statements, and get them exactly right."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import StockItem, StockMovement
from salesorders.models import SalesOrder, SalesOrderLine
from shipping import services
from shipping.models import Allocation, Shipment
from tests.factories import PartFactory, StockLocationFactory, UserFactory
from tests.shipping.helpers import assert_invariants, issued_order, new_shipment, order_line

pytestmark = pytest.mark.django_db
D = Decimal


def shipment_of(allocations: int) -> Shipment:
    """An issued order with one line per allocation, each line filled by Auto Allocate
    from its own stock item (every fifth in a second location)."""
    order = issued_order()
    locations = [StockLocationFactory(), StockLocationFactory()]
    parts = [PartFactory() for _ in range(allocations)]
    for part in parts:
        order_line(order, part, quantity="2")
    StockItem.objects.bulk_create(
        StockItem(part=part, location=locations[n % 5 == 0], quantity=D("5"))
        for n, part in enumerate(parts)
    )
    shipment = new_shipment(order)
    assert services.order_auto_allocate(order=order, shipment=shipment, user=None).complete
    assert Allocation.objects.filter(shipment=shipment).count() == allocations
    return shipment


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_complete_shipment_of_300_allocations_costs_the_queries_of_3(
    django_assert_max_num_queries,
):
    small, big = shipment_of(3), shipment_of(300)
    few = queries_of(lambda: services.shipment_complete(shipment=small, user=None))
    assert few <= 20
    with django_assert_max_num_queries(few):
        services.shipment_complete(shipment=big, user=None)
    big.refresh_from_db()
    assert big.status == Shipment.Status.SHIPPED
    assert SalesOrderLine.objects.filter(order=big.order, shipped_quantity=2).count() == 300
    assert_invariants()


def test_delete_shipment_of_300_allocations_costs_the_queries_of_3(
    django_assert_max_num_queries,
):
    small, big = shipment_of(3), shipment_of(300)
    few = queries_of(lambda: services.shipment_delete(shipment=small, user=None))
    assert few <= 20
    with django_assert_max_num_queries(few):
        services.shipment_delete(shipment=big, user=None)
    assert not Shipment.objects.filter(pk=big.pk).exists()
    assert not SalesOrderLine.objects.filter(order=big.order, allocated_quantity__gt=0).exists()
    assert not StockItem.objects.filter(allocated_quantity__gt=0).exists()
    assert_invariants()


def test_cancel_order_with_300_allocations_costs_the_queries_of_3(
    django_assert_max_num_queries,
):
    user = UserFactory()
    small, big = shipment_of(3), shipment_of(300)
    few = queries_of(lambda: services.salesorder_cancel(order=small.order, user=user))
    assert few <= 30  # the order's own cancellation (history, calendar) comes on top
    with django_assert_max_num_queries(few):
        services.salesorder_cancel(order=big.order, user=user)
    big.order.refresh_from_db()
    assert big.order.status == SalesOrder.Status.CANCELLED
    assert not StockItem.objects.filter(allocated_quantity__gt=0).exists()
    assert_invariants()


def test_auto_allocate_300_lines_costs_the_queries_of_3(django_assert_max_num_queries):
    def order_of(lines: int):
        order = issued_order()
        location = StockLocationFactory()
        for _ in range(lines):
            part = PartFactory()
            order_line(order, part, quantity="1")
            StockItem.objects.create(part=part, location=location, quantity=D("3"))
        return order, new_shipment(order)

    small, big = order_of(3), order_of(300)
    few = queries_of(
        lambda: services.order_auto_allocate(order=small[0], shipment=small[1], user=None)
    )
    with django_assert_max_num_queries(few):
        result = services.order_auto_allocate(order=big[0], shipment=big[1], user=None)
    assert len(result.allocated) == 300
    assert_invariants()


def test_counters_after_completion_are_exact_across_items_and_locations():
    """Several lines share several stock items in two locations, with fractional
    quantities; another pending shipment keeps its reservation. After Complete Shipment
    every item holds exactly what is left, allocates exactly the other shipment's stock,
    and its shipped movements step down from the old quantity to the new one."""
    order = issued_order()
    north, south = StockLocationFactory(), StockLocationFactory()
    bolts, cable = PartFactory(), PartFactory(unit="m")
    bolt_line = order_line(order, bolts, quantity="9")
    cable_line = order_line(order, cable, quantity="7.5")
    other_bolt_line = order_line(issued_order(), bolts, quantity="4")
    items = {
        "bolts north": StockItem.objects.create(part=bolts, location=north, quantity=D("6")),
        "bolts south": StockItem.objects.create(part=bolts, location=south, quantity=D("10")),
        "cable north": StockItem.objects.create(part=cable, location=north, quantity=D("3.25")),
        "cable south": StockItem.objects.create(part=cable, location=south, quantity=D("20")),
    }
    shipment, other = new_shipment(order), new_shipment(other_bolt_line.order)
    allocate = services.allocation_create
    allocate(
        line=bolt_line,
        stock_item=items["bolts north"],
        shipment=shipment,
        quantity=D("4"),
        user=None,
    )
    allocate(
        line=bolt_line,
        stock_item=items["bolts south"],
        shipment=shipment,
        quantity=D("5"),
        user=None,
    )
    allocate(
        line=cable_line,
        stock_item=items["cable north"],
        shipment=shipment,
        quantity=D("3.25"),
        user=None,
    )
    allocate(
        line=cable_line,
        stock_item=items["cable south"],
        shipment=shipment,
        quantity=D("4.25"),
        user=None,
    )
    allocate(
        line=other_bolt_line,
        stock_item=items["bolts north"],
        shipment=other,
        quantity=D("2"),
        user=None,
    )
    allocate(
        line=other_bolt_line,
        stock_item=items["bolts south"],
        shipment=other,
        quantity=D("2"),
        user=None,
    )

    services.shipment_complete(shipment=shipment, user=None, tracking_number="T9")

    expected = {  # (quantity, allocated) afterwards
        "bolts north": (D("2"), D("2")),
        "bolts south": (D("5"), D("2")),
        "cable north": (D("0"), D("0")),
        "cable south": (D("15.75"), D("0")),
    }
    for name, item in items.items():
        item.refresh_from_db()
        assert (item.quantity, item.allocated_quantity) == expected[name], name
        moved = StockMovement.objects.filter(stock_item=item, kind=StockMovement.Kind.SHIPPED)
        last = moved.order_by("-pk").first()
        assert last.quantity_after == item.quantity, name
        assert last.from_location_id == item.location_id and last.part_id == item.part_id
        assert order.reference in last.reference
    bolt_line.refresh_from_db()
    cable_line.refresh_from_db()
    other_bolt_line.refresh_from_db()
    assert (bolt_line.shipped_quantity, bolt_line.allocated_quantity) == (D("9"), D("0"))
    assert (cable_line.shipped_quantity, cable_line.allocated_quantity) == (D("7.5"), D("0"))
    assert (other_bolt_line.shipped_quantity, other_bolt_line.allocated_quantity) == (0, D("4"))
    assert_invariants()
