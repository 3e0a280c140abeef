"""Races on PostgreSQL: many connections allocating, completing and auto-allocating at once.

Each worker thread has its own database connection (Django connections are per thread) and
closes it when done; a barrier releases them together so the transactions really overlap.
"""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from inventory.models import StockItem, StockMovement
from shipping import services
from shipping.exceptions import AlreadyShippedError, ShippingError
from shipping.models import Allocation, Shipment
from tests.factories import PartFactory
from tests.shipping.helpers import assert_invariants, issued_order, new_shipment, order_line, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


def run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in its own thread and connection at the same moment; return results or
    the exceptions they raised, in job order."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the test inspects what each got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return results


def allocation_job(line, item, shipment, quantity="1"):
    return lambda: services.allocation_create(
        line=line, stock_item=item, shipment=shipment, quantity=D(quantity), user=None
    )


def test_twenty_orders_racing_for_five_units_get_exactly_five():
    """20 connections each allocate 1 of an item holding 5: exactly 5 succeed."""
    part = PartFactory()
    item = stock(part, quantity="5")
    jobs = []
    for _ in range(20):
        order = issued_order()
        jobs.append(allocation_job(order_line(order, part, "1"), item, new_shipment(order)))

    results = run_together(jobs)

    succeeded = [r for r in results if isinstance(r, Allocation)]
    refused = [r for r in results if isinstance(r, ShippingError)]
    assert len(succeeded) == 5 and len(refused) == 15, results
    assert all("only 0 available" in str(error) for error in refused)
    item.refresh_from_db()
    assert item.allocated_quantity == 5
    assert Allocation.objects.count() == 5
    assert_invariants()


def test_many_allocations_for_one_line_never_exceed_what_it_ordered():
    """12 connections add 1 each to the same line of 4 (from plenty of stock): 4 succeed."""
    order = issued_order()
    line = order_line(order, quantity="4")
    items = [stock(line.part, quantity="10") for _ in range(3)]
    shipments = [new_shipment(order) for _ in range(2)]
    jobs = [allocation_job(line, items[i % 3], shipments[i % 2]) for i in range(12)]

    results = run_together(jobs)

    assert sum(isinstance(r, Allocation) for r in results) == 4, results
    assert all(isinstance(r, (Allocation, ShippingError)) for r in results), results
    line.refresh_from_db()
    assert line.allocated_quantity == 4
    assert_invariants()


def test_concurrent_auto_allocate_of_many_orders_never_over_allocates():
    """Auto Allocate of 10 orders at once over 3 items of 4 units: all 12 units, no more."""
    part = PartFactory()
    items = [stock(part, quantity="4") for _ in range(3)]
    jobs = []
    for _ in range(10):
        order = issued_order()
        order_line(order, part, "3")
        shipment = new_shipment(order)
        jobs.append(
            lambda order=order, shipment=shipment: services.order_auto_allocate(
                order=order, shipment=shipment, user=None
            )
        )

    results = run_together(jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.allocated_by_unit().get("pcs", 0) for r in results) == 12
    for item in items:
        item.refresh_from_db()
        assert item.allocated_quantity == 4
    assert_invariants()


def test_double_completion_from_many_connections_ships_once():
    """Eight connections press Complete Shipment at once: one ships, seven hear "already"."""
    order = issued_order()
    line = order_line(order, quantity="6")
    first, second = stock(line.part, quantity="4"), stock(line.part, quantity="10")
    shipment = new_shipment(order)
    services.order_auto_allocate(order=order, shipment=shipment, user=None)

    results = run_together(
        [lambda: services.shipment_complete(shipment=shipment, user=None) for _ in range(8)]
    )

    shipped = [r for r in results if isinstance(r, Shipment)]
    already = [r for r in results if isinstance(r, AlreadyShippedError)]
    assert len(shipped) == 1 and len(already) == 7, results
    first.refresh_from_db()
    second.refresh_from_db()
    line.refresh_from_db()
    assert (first.quantity, second.quantity, line.shipped_quantity) == (0, 8, 6)
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SHIPPED).count() == 2
    assert_invariants()


@pytest.mark.parametrize("round_", range(3))
def test_allocating_while_another_shipment_of_the_same_stock_completes(round_):
    """Order A ships 6 of an item of 10 while 8 other orders each try to allocate 1 of it.

    Whatever the interleaving, at most 4 of them get stock, the item ends with 4 on hand and
    the counters match the allocations."""
    part = PartFactory()
    item = stock(part, quantity="10")
    shipping_order = issued_order()
    shipping_line = order_line(shipping_order, part, "6")
    shipment = new_shipment(shipping_order)
    services.allocation_create(
        line=shipping_line, stock_item=item, shipment=shipment, quantity=D("6"), user=None
    )
    jobs = [lambda: services.shipment_complete(shipment=shipment, user=None)]
    for _ in range(8):
        order = issued_order()
        jobs.append(allocation_job(order_line(order, part, "1"), item, new_shipment(order)))

    results = run_together(jobs)

    assert isinstance(results[0], Shipment), results[0]
    allocated = [r for r in results[1:] if isinstance(r, Allocation)]
    assert len(allocated) == 4, results
    assert all(isinstance(r, (Allocation, ShippingError)) for r in results[1:]), results
    item = StockItem.objects.get(pk=item.pk)
    assert (item.quantity, item.allocated_quantity) == (4, 4)
    assert_invariants()


@pytest.mark.parametrize("round_", range(3))
def test_cancel_order_racing_allocations_to_it_leaves_nothing_reserved(round_):
    """Cancel Order while four connections allocate to the same order and four to another
    order of the same item: the cancelled order ends with nothing reserved, the other keeps
    exactly what it got, and no allocation is left on a cancelled order."""
    from salesorders.models import SalesOrder

    part = PartFactory()
    item = stock(part, quantity="6")
    cancelled = issued_order()
    line = order_line(cancelled, part, "10")
    shipment = new_shipment(cancelled)
    services.allocation_create(
        line=line, stock_item=item, shipment=shipment, quantity=D("2"), user=None
    )
    other = issued_order()
    other_line, other_shipment = order_line(other, part, "10"), new_shipment(other)
    jobs = [lambda: services.salesorder_cancel(order=cancelled, user=None, reason="Race")]
    jobs += [allocation_job(line, item, shipment) for _ in range(4)]
    jobs += [allocation_job(other_line, item, other_shipment) for _ in range(4)]

    results = run_together(jobs)

    assert isinstance(results[0], SalesOrder), results[0]
    assert all(isinstance(r, (Allocation, ShippingError)) for r in results[1:]), results
    assert not Allocation.objects.filter(line=line).exists()
    assert not Shipment.objects.filter(order=cancelled).exists()
    got = sum(1 for r in results[5:] if isinstance(r, Allocation))
    item = StockItem.objects.get(pk=item.pk)
    assert item.allocated_quantity == got and item.quantity == 6
    assert SalesOrder.objects.get(pk=cancelled.pk).status == SalesOrder.Status.CANCELLED
    assert_invariants()
