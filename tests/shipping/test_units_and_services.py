"""Shipping never adds quantities of different units, allocates stock only to goods lines,
keeps service lines off Backorders, and Backorders show and filter fulfilment and allocation."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Part
from salesorders.models import AllocationStatus, FulfilmentState, SalesOrderEvent
from shipping import services
from shipping.exceptions import AllocationError
from shipping.models import Allocation
from tests.factories import PartFactory, ServicePartFactory, UserFactory
from tests.shipping.helpers import (
    assert_invariants,
    issued_order,
    new_shipment,
    order_line,
    stock,
)

pytestmark = pytest.mark.django_db
D = Decimal


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_allocating_stock_to_a_service_line_is_refused_and_nothing_is_written():
    order = issued_order()
    service = order_line(order, ServicePartFactory(), quantity="4")
    # Even a stock item of the same part (an old one, from before it became a service).
    item = stock(service.part, quantity="10")
    shipment = new_shipment(order)
    with pytest.raises(AllocationError) as refused:
        services.allocation_create(
            line=service, stock_item=item, shipment=shipment, quantity=D("1"), user=None
        )
    assert str(refused.value.message) == (
        f"Line {service.part_sku} (Installation (per hour)) of {order.reference} is a service: "
        "it needs no stock, so nothing can be allocated to it; use Mark Delivered on the order "
        "page when it has been given."
    )
    assert not Allocation.objects.exists()
    item.refresh_from_db()
    assert item.allocated_quantity == 0


def test_allocating_half_a_piece_is_refused_naming_the_unit():
    order = issued_order()
    line = order_line(order, PartFactory(name="Safety helmet"), quantity="4")
    item = stock(line.part, quantity="10")
    with pytest.raises(AllocationError) as refused:
        services.allocation_create(
            line=line, stock_item=item, shipment=new_shipment(order), quantity="1.5", user=None
        )
    assert str(refused.value.message) == (
        "Safety helmet is counted in whole pieces (pcs): 1.5 is not allowed."
    )
    assert not Allocation.objects.exists()


def test_auto_allocate_skips_services_and_says_what_it_allocated_per_unit():
    order = issued_order()
    bolts = order_line(order, PartFactory(sku="BOLT"), quantity="40")
    cable = order_line(order, PartFactory(sku="CABLE", unit=Part.Unit.METRES), quantity="3.5")
    service = order_line(order, ServicePartFactory(), quantity="2")
    stock(bolts.part, quantity="100")
    stock(cable.part, quantity="50")
    shipment = new_shipment(order)
    result = services.order_auto_allocate(order=order, shipment=shipment, user=None)
    assert result.complete
    assert result.allocated_by_unit() == {"pcs": D("40"), "m": D("3.5")}
    assert result.summary() == (
        f"{order.reference}: allocated 40 pcs and 3.50 m from 2 stock item(s) to 2 line(s) in "
        f"shipment {shipment.reference}."
    )
    assert not Allocation.objects.filter(line=service).exists()
    assert order.events.get(kind=SalesOrderEvent.Kind.AUTO_ALLOCATED).message == result.summary()
    assert_invariants()


def test_auto_allocate_keeps_pieces_whole_from_a_fractional_stock_item():
    order = issued_order()
    line = order_line(order, quantity="5")
    stock(line.part, quantity="2.5")  # booked before pieces were whole
    result = services.order_auto_allocate(order=order, shipment=new_shipment(order), user=None)
    assert result.allocated_by_unit() == {"pcs": D("2")}
    assert result.short == [(line, D("3"))]
    assert "Not enough stock for: " in result.summary() and "3 pcs" in result.summary()


def test_cancel_order_says_what_it_released_per_unit():
    order = issued_order()
    bolts = order_line(order, quantity="40")
    rope = order_line(order, PartFactory(unit=Part.Unit.METRES), quantity="3")
    shipment = new_shipment(order)
    for line in (bolts, rope):
        services.allocation_create(
            line=line,
            stock_item=stock(line.part),
            shipment=shipment,
            quantity=line.quantity,
            user=None,
        )
    services.salesorder_cancel(order=order, user=UserFactory(), reason="")
    message = order.events.get(kind=SalesOrderEvent.Kind.CANCELLED).message
    assert message == "Order cancelled; released 40 pcs and 3.00 m reserved."
    assert_invariants()


def test_packing_slip_totals_per_unit_not_one_sum(warehouse_client):
    order = issued_order()
    bolts = order_line(order, quantity="100")
    cable = order_line(order, PartFactory(unit=Part.Unit.METRES), quantity="3")
    shipment = new_shipment(order)
    for line in (bolts, cable):
        services.allocation_create(
            line=line,
            stock_item=stock(line.part),
            shipment=shipment,
            quantity=line.quantity,
            user=None,
        )
    response = warehouse_client.get(reverse("shipping:shipment-packing-slip", args=[shipment.pk]))
    text = response.content.decode()
    assert '<th class="text-end" data-testid="packing-totals">100 pcs and 3.00 m</th>' in text
    assert ">103<" not in text


def test_backorders_leave_out_service_lines_and_show_fulfilment_and_allocation(warehouse_client):
    order = issued_order()
    covered = order_line(order, PartFactory(sku="COVERED"), quantity="5")
    scarce = order_line(order, PartFactory(sku="SCARCE"), quantity="5")
    order_line(order, ServicePartFactory(sku="SRV-INST-H"), quantity="2")
    stock(covered.part, quantity="50")
    services.allocation_create(
        line=scarce,
        stock_item=stock(scarce.part, quantity="2"),
        shipment=new_shipment(order),
        quantity=D("2"),
        user=None,
    )
    response = warehouse_client.get(reverse("shipping:backorders"))
    rows = {row.record.part_sku: row.record for row in response.context["table"].page.object_list}
    assert set(rows) == {"COVERED", "SCARCE"}
    assert (rows["COVERED"].fulfilment_state, rows["COVERED"].allocation_status) == (
        FulfilmentState.AVAILABLE,
        AllocationStatus.SHORT,
    )
    assert (rows["SCARCE"].fulfilment_state, rows["SCARCE"].allocation_status) == (
        FulfilmentState.NOT_AVAILABLE,
        AllocationStatus.PARTIAL,
    )
    assert rows["COVERED"].order_allocation_status == AllocationStatus.PARTIAL
    text = response.content.decode()
    assert "badge-fulfilment-not_available" in text and "badge-allocation-partial" in text

    def skus(**query):
        page = warehouse_client.get(reverse("shipping:backorders"), query)
        return {row.record.part_sku for row in page.context["table"].page.object_list}

    assert skus(fulfilment=FulfilmentState.NOT_AVAILABLE) == {"SCARCE"}
    assert skus(allocation=AllocationStatus.SHORT) == {"COVERED"}
    assert skus(order_allocation=AllocationStatus.READY) == set()
    bad = warehouse_client.get(reverse("shipping:backorders"), {"fulfilment": "maybe"})
    assert bad.status_code == 400


def test_backorders_cost_the_same_queries_for_2_and_40_lines(
    warehouse_client, django_assert_max_num_queries
):
    order = issued_order()
    for _ in range(2):
        stock(order_line(order).part, quantity="3")
    with CaptureQueriesContext(connection) as small:
        assert warehouse_client.get(reverse("shipping:backorders")).status_code == 200
    for _ in range(20):
        other = issued_order()
        stock(order_line(other).part, quantity="3")
        order_line(other, ServicePartFactory())
    with django_assert_max_num_queries(len(small)):
        response = warehouse_client.get(
            reverse("shipping:backorders"), {"fulfilment": FulfilmentState.NOT_AVAILABLE}
        )
    assert response.status_code == 200
