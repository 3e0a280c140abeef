"""Complete Shipment costs the same number of queries for 3 allocations as for 300."""

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import StockItem, StockMovement
from shipping import services
from shipping.models import Allocation, Shipment
from tests.factories import PartFactory, StockLocationFactory
from tests.shipping.helpers import assert_invariants, issued_order, new_shipment, order_line

pytestmark = pytest.mark.django_db
D = Decimal


def shipment_with_allocations(lines: int, items_per_line: int) -> Shipment:
    """An issued order whose pending shipment holds lines * items_per_line allocations."""
    order = issued_order()
    location = StockLocationFactory()
    items = []
    for _ in range(lines):
        line = order_line(order, PartFactory(), quantity=str(items_per_line))
        items += [
            StockItem(part=line.part, location=location, quantity=D("1"))
            for _ in range(items_per_line)
        ]
    StockItem.objects.bulk_create(items)
    shipment = new_shipment(order)
    # Lines take 1 from each item: every item gives its own allocation.
    result = services.order_auto_allocate(order=order, shipment=shipment, user=None)
    assert result.complete
    assert Allocation.objects.filter(shipment=shipment).count() == lines * items_per_line
    return shipment


def count_complete(shipment: Shipment) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        services.shipment_complete(shipment=shipment, user=None, tracking_number="T1")
        elapsed = time.perf_counter() - started
    return len(queries), elapsed


def test_complete_shipment_of_300_allocations_costs_as_many_queries_as_3(
    django_assert_max_num_queries,
):
    """The query count is a constant: 3 and 300 allocations run the very same statements."""
    small = shipment_with_allocations(lines=3, items_per_line=1)
    big = shipment_with_allocations(lines=10, items_per_line=30)
    with django_assert_max_num_queries(20) as captured:
        services.shipment_complete(shipment=small, user=None, tracking_number="T1")
    with django_assert_max_num_queries(len(captured)):  # at most what 3 cost, so <= 20 too
        services.shipment_complete(shipment=big, user=None, tracking_number="T2")
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SHIPPED).count() == 303
    assert_invariants()


def test_complete_shipment_of_300_allocations_is_fast():
    """A fraction of a second, on SQLite and PostgreSQL alike."""
    shipment = shipment_with_allocations(lines=10, items_per_line=30)
    queries, elapsed = count_complete(shipment)
    print(f"\n300-allocation Complete Shipment: {queries} queries, {elapsed * 1000:.1f} ms")
    assert elapsed < 1.0


def test_complete_shipment_of_3000_allocations_still_costs_the_same(
    django_assert_max_num_queries,
):
    """No statement re-reads the shipment per row: 3,000 allocations, the same count."""
    small = shipment_with_allocations(lines=3, items_per_line=1)
    big = shipment_with_allocations(lines=30, items_per_line=100)
    small_count, _ = count_complete(small)
    with django_assert_max_num_queries(small_count):
        services.shipment_complete(shipment=big, user=None, tracking_number="T3")
    assert big.allocations.count() == 3000
    assert_invariants()


def test_the_order_pages_shipments_panel_costs_two_queries_at_most(
    django_assert_max_num_queries,
):
    """The shipments, then one window-function query for every shipment's first 25
    allocations and its count; none for the shipments when the page prefetched them."""
    from shipping.selectors import order_shipments

    order = issued_order()
    location = StockLocationFactory()
    lines = [order_line(order, PartFactory(), quantity="100") for _ in range(30)]
    StockItem.objects.bulk_create(
        [StockItem(part=line.part, location=location, quantity=D("100")) for line in lines]
    )
    shipments = [new_shipment(order) for _ in range(3)]
    items = {item.part_id: item for item in StockItem.objects.filter(location=location)}
    for shipment, count in zip(shipments, (30, 5, 0), strict=True):
        for line in lines[:count]:
            services.allocation_create(
                line=line, stock_item=items[line.part_id], shipment=shipment, quantity=1, user=None
            )
    with django_assert_max_num_queries(2):
        read = order_shipments(order)
        assert [len(s.first_allocations) for s in read] == [25, 5, 0]
        assert [s.allocation_count for s in read] == [30, 5, 0]
        labels = [str(a.stock_item.location) + a.line.part_sku for a in read[0].first_allocations]
    assert len(labels) == 25
    prefetched = type(order).objects.prefetch_related("shipments").get(pk=order.pk)
    with django_assert_max_num_queries(1):
        assert [s.allocation_count for s in order_shipments(prefetched)] == [30, 5, 0]
