"""Shipping services: each rule of shipments, allocations and Complete Shipment, each refusal."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from salesorders.models import DeliveryState, SalesOrder
from shipping import services
from shipping.exceptions import (
    AllocationError,
    AlreadyShippedError,
    OrderNotIssuedError,
    ShipmentStateError,
    ShippingError,
)
from shipping.models import Allocation, Shipment
from tests.factories import PartFactory, UserFactory
from tests.shipping.helpers import (
    assert_invariants,
    issued_order,
    new_shipment,
    order_line,
    stock,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


def allocate(line, item, shipment, quantity, user=None):
    return services.allocation_create(
        line=line, stock_item=item, shipment=shipment, quantity=D(quantity), user=user
    )


def refresh(*objs):
    for obj in objs:
        obj.refresh_from_db()


# --- shipments ---------------------------------------------------------------------------------


def test_shipment_create_numbers_shipments_per_order_and_copies_ship_to(clerk):
    """References count 1, 2, ... within each order; the address is the order's ship-to."""
    order, other = issued_order(), issued_order()
    first = services.shipment_create(order=order, user=clerk)
    second = services.shipment_create(order=order, user=clerk, carrier="DHL")
    elsewhere = services.shipment_create(order=other, user=clerk)
    assert (first.reference, second.reference, elsewhere.reference) == ("1", "2", "1")
    assert first.address == order.ship_to
    assert second.carrier == "DHL" and second.status == Shipment.Status.PENDING
    assert first.created_by == clerk


def test_shipment_create_skips_taken_numbers_and_refuses_a_duplicate_reference(clerk):
    order = issued_order()
    services.shipment_create(order=order, user=clerk, reference="2")
    assert services.shipment_create(order=order, user=clerk).reference == "3"
    with pytest.raises(ShipmentStateError, match="already has a shipment with reference 2"):
        services.shipment_create(order=order, user=clerk, reference="2")


@pytest.mark.parametrize(
    "status", [SalesOrder.Status.PENDING, SalesOrder.Status.COMPLETE, SalesOrder.Status.CANCELLED]
)
def test_shipment_create_refused_unless_the_order_is_issued(clerk, status):
    order = issued_order(status=status)
    with pytest.raises(OrderNotIssuedError, match="only on an issued order"):
        services.shipment_create(order=order, user=clerk)
    assert not Shipment.objects.exists()


def test_next_reference_counts_only_ascii_numbers(clerk):
    """ "²" and "٣" pass str.isdigit() but are not shipment numbers: they are skipped."""
    order = issued_order()
    for reference in ("²", "٣", "2", "B-7"):
        new_shipment(order, reference)
    assert services.next_shipment_reference(order) == "3"
    assert services.shipment_create(order=order, user=clerk).reference == "3"


def test_next_reference_stays_within_the_reference_length(clerk):
    """After a 30-digit reference the next number would not fit: the lowest free one is used."""
    order = issued_order()
    new_shipment(order, "9" * services.REFERENCE_LENGTH)
    new_shipment(order, "1")
    shipment = services.shipment_create(order=order, user=clerk)
    assert shipment.reference == "2"


@pytest.mark.parametrize(
    ("field", "limit"), [("reference", 30), ("carrier", 100)], ids=["reference", "carrier"]
)
def test_shipment_create_refuses_a_reference_or_carrier_longer_than_the_field(clerk, field, limit):
    order = issued_order()
    with pytest.raises(ShipmentStateError, match=f"at most {limit} characters, not {limit + 1}"):
        services.shipment_create(order=order, user=clerk, **{field: "x" * (limit + 1)})
    assert not order.shipments.exists()


def test_shipment_update_changes_details_and_refuses_reference_change_after_shipping(clerk):
    order = issued_order()
    line = order_line(order)
    item = stock(line.part)
    shipment = services.shipment_create(order=order, user=clerk)
    services.shipment_update(shipment=shipment, user=clerk, carrier="UPS", reference="A")
    refresh(shipment)
    assert (shipment.carrier, shipment.reference) == ("UPS", "A")
    allocate(line, item, shipment, 1)
    services.shipment_complete(shipment=shipment, user=clerk)
    services.shipment_update(shipment=shipment, user=clerk, tracking_number="1Z999")
    refresh(shipment)
    assert shipment.tracking_number == "1Z999"
    with pytest.raises(ShipmentStateError, match="has shipped: its reference"):
        services.shipment_update(shipment=shipment, user=clerk, reference="B")


def test_shipment_delete_releases_its_allocations(clerk):
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part, quantity="20")
    shipment = new_shipment(order)
    allocate(line, item, shipment, 6)
    services.shipment_delete(shipment=shipment, user=clerk)
    refresh(line, item)
    assert not Shipment.objects.exists() and not Allocation.objects.exists()
    assert line.allocated_quantity == 0 and item.allocated_quantity == 0
    assert_invariants()


def test_shipment_delete_refuses_a_shipped_shipment(clerk):
    order = issued_order()
    line = order_line(order)
    shipment = new_shipment(order)
    allocate(line, stock(line.part), shipment, 2)
    services.shipment_complete(shipment=shipment, user=clerk)
    with pytest.raises(ShipmentStateError, match="has shipped and cannot be deleted"):
        services.shipment_delete(shipment=shipment, user=clerk)
    assert Shipment.objects.filter(pk=shipment.pk).exists()


# --- allocation rules --------------------------------------------------------------------------


def test_allocate_reserves_stock_on_the_line_and_the_item(clerk):
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part, quantity="50")
    shipment = new_shipment(order)
    allocation = allocate(line, item, shipment, 4, user=clerk)
    refresh(line, item)
    assert allocation.quantity == 4 and allocation.created_by == clerk
    assert line.allocated_quantity == 4
    assert item.allocated_quantity == 4 and item.available_quantity == 46
    assert order.events.filter(kind="allocated").exists()
    assert_invariants()


def test_allocating_the_same_item_again_increases_the_allocation():
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part)
    shipment = new_shipment(order)
    allocate(line, item, shipment, 3)
    again = allocate(line, item, shipment, 2)
    assert Allocation.objects.count() == 1
    assert again.quantity == 5 and Allocation.objects.get().quantity == 5
    refresh(line, item)
    assert line.allocated_quantity == 5 and item.allocated_quantity == 5


def test_a_line_may_take_stock_from_several_items_and_several_shipments():
    order = issued_order()
    line = order_line(order, quantity="10")
    first, second = stock(line.part, quantity="4"), stock(line.part, quantity="4")
    one, two = new_shipment(order), new_shipment(order)
    allocate(line, first, one, 4)
    allocate(line, second, one, 3)
    allocate(line, second, two, 1)
    refresh(line)
    assert line.allocated_quantity == 8
    assert_invariants()


@pytest.mark.parametrize(
    "status", [SalesOrder.Status.PENDING, SalesOrder.Status.ON_HOLD, SalesOrder.Status.CANCELLED]
)
def test_allocate_refused_unless_the_order_is_issued(status):
    order = issued_order()
    line = order_line(order)
    item = stock(line.part)
    shipment = new_shipment(order)
    SalesOrder.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(OrderNotIssuedError, match=f"{order.reference} is"):
        allocate(line, item, shipment, 1)
    assert not Allocation.objects.exists()
    refresh(item)
    assert item.allocated_quantity == 0


def test_allocate_refuses_a_shipment_of_another_order():
    order, other = issued_order(), issued_order()
    line = order_line(order)
    item = stock(line.part)
    foreign = new_shipment(other)
    with pytest.raises(ShipmentStateError, match=f"does not belong to {order.reference}"):
        allocate(line, item, foreign, 1)
    assert not Allocation.objects.exists()


def test_allocate_refuses_a_shipment_that_has_shipped():
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part)
    shipment = new_shipment(order)
    allocate(line, item, shipment, 1)
    services.shipment_complete(shipment=shipment, user=None)
    with pytest.raises(ShipmentStateError, match="is Shipped: stock can be allocated only"):
        allocate(line, item, shipment, 1)


def test_allocate_refuses_stock_of_another_part():
    order = issued_order()
    line = order_line(order)
    item = stock(PartFactory(sku="OTHER-1"))
    with pytest.raises(AllocationError, match=f"stock of OTHER-1, not of line {line.part_sku}"):
        allocate(line, item, new_shipment(order), 1)


@pytest.mark.parametrize("status", [StockItem.Status.DAMAGED, StockItem.Status.QUARANTINED])
def test_allocate_refuses_stock_that_is_not_ok(status):
    order = issued_order()
    line = order_line(order)
    item = stock(line.part, status=status)
    with pytest.raises(AllocationError, match="only OK stock can be allocated"):
        allocate(line, item, new_shipment(order), 1)


def test_allocate_refuses_expired_stock_but_takes_stock_expiring_today():
    order = issued_order()
    line = order_line(order)
    today = timezone.localdate()
    old = stock(line.part, expiry_date=today - datetime.timedelta(days=1))
    fresh = stock(line.part, expiry_date=today)
    shipment = new_shipment(order)
    with pytest.raises(AllocationError, match="expired on"):
        allocate(line, old, shipment, 1)
    allocate(line, fresh, shipment, 1)


@pytest.mark.parametrize("quantity", ["0", "-2", "0.00001"])
def test_allocate_refuses_a_quantity_that_is_not_above_zero_or_too_fine(quantity):
    order = issued_order()
    line = order_line(order)
    with pytest.raises(AllocationError):
        allocate(line, stock(line.part), new_shipment(order), quantity)
    assert not Allocation.objects.exists()


def test_a_serialised_item_is_allocated_whole():
    order = issued_order()
    line = order_line(order, PartFactory(unit="m"), quantity="3")
    item = stock(line.part, quantity="1", serial_number="SN-1")
    shipment = new_shipment(order)
    with pytest.raises(AllocationError, match="serialised and is allocated whole"):
        allocate(line, item, shipment, "0.5")
    allocate(line, item, shipment, 1)
    refresh(item)
    assert item.allocated_quantity == 1


def test_allocate_refuses_more_than_the_line_still_needs_naming_line_item_and_quantities():
    order = issued_order()
    line = order_line(order, quantity="5")
    item = stock(line.part, quantity="50")
    shipment = new_shipment(order)
    allocate(line, item, shipment, 3)
    with pytest.raises(AllocationError) as refused:
        allocate(line, item, shipment, 4)
    message = str(refused.value)
    assert f"line {line.part_sku}" in message and order.reference in message
    assert f"stock item #{item.pk}" in message
    assert "Cannot allocate 4" in message and "only 2 more" in message
    assert "5 ordered" in message and "3 allocated" in message
    refresh(line, item)
    assert line.allocated_quantity == 3 and item.allocated_quantity == 3


def test_allocate_refuses_more_than_available_across_two_orders():
    part = PartFactory()
    item = stock(part, quantity="5")
    first, second = issued_order(), issued_order()
    line_a, line_b = order_line(first, part, "4"), order_line(second, part, "4")
    allocate(line_a, item, new_shipment(first), 4)
    with pytest.raises(AllocationError) as refused:
        allocate(line_b, item, new_shipment(second), 2)
    message = str(refused.value)
    assert "only 1 available" in message and "5 on hand, 4 allocated" in message
    assert second.reference in message
    allocate(line_b, item, second.shipments.get(), 1)
    refresh(item)
    assert item.allocated_quantity == 5
    assert_invariants()


def test_allocation_delete_releases_the_stock():
    order = issued_order()
    line = order_line(order)
    item = stock(line.part)
    allocation = allocate(line, item, new_shipment(order), 4)
    services.allocation_delete(allocation=allocation, user=None)
    refresh(line, item)
    assert line.allocated_quantity == 0 and item.allocated_quantity == 0
    assert not Allocation.objects.exists()
    with pytest.raises(ShippingError, match="already removed"):
        services.allocation_delete(allocation=allocation, user=None)


def test_allocation_delete_refused_once_shipped():
    order = issued_order()
    line = order_line(order)
    item = stock(line.part)
    shipment = new_shipment(order)
    allocation = allocate(line, item, shipment, 4)
    services.shipment_complete(shipment=shipment, user=None)
    with pytest.raises(ShipmentStateError, match="only on a pending shipment"):
        services.allocation_delete(allocation=allocation, user=None)
    assert Allocation.objects.filter(pk=allocation.pk).exists()


# --- Complete Shipment -------------------------------------------------------------------------


def test_complete_shipment_moves_stock_out_and_counts_it_as_shipped(clerk):
    order = issued_order()
    line = order_line(order, quantity="10")
    first, second = stock(line.part, quantity="6"), stock(line.part, quantity="8")
    shipment = services.shipment_create(order=order, user=clerk)
    allocate(line, first, shipment, 6)
    allocate(line, second, shipment, 1)
    version = SalesOrder.objects.get(pk=order.pk).version

    done = services.shipment_complete(
        shipment=shipment, user=clerk, carrier="DHL", tracking_number="JD0123"
    )

    refresh(line, first, second, order)
    assert done.status == Shipment.Status.SHIPPED
    assert (done.carrier, done.tracking_number, done.shipped_by) == ("DHL", "JD0123", clerk)
    assert done.shipped_date == timezone.localdate() and done.shipped_at is not None
    assert line.shipped_quantity == 7 and line.allocated_quantity == 0
    assert (first.quantity, first.allocated_quantity) == (0, 0)
    assert (second.quantity, second.allocated_quantity) == (7, 0)
    movements = StockMovement.objects.filter(kind=StockMovement.Kind.SHIPPED).order_by("pk")
    assert [(m.stock_item_id, m.quantity_delta, m.quantity_after) for m in movements] == [
        (first.pk, -6, 0),
        (second.pk, -1, 7),
    ]
    movement = movements[0]
    assert order.reference in movement.reference and order.customer_name in movement.reference
    assert f"shipment {shipment.reference}" in movement.reference
    assert movement.user == clerk and movement.from_location_id == first.location_id
    assert order.version > version
    assert order.events.filter(kind="shipment_shipped", message__contains="JD0123").exists()
    assert Allocation.objects.count() == 2  # kept as the record of what shipped from where
    assert_invariants()


def test_shipped_movements_carry_the_part_of_their_stock_item():
    """The one-statement INSERT of shipped movements copies each stock item's part."""
    order = issued_order()
    bolts, nuts = order_line(order), order_line(order)
    bolt_stock, nut_stock = stock(bolts.part), stock(nuts.part)
    shipment = new_shipment(order)
    allocate(bolts, bolt_stock, shipment, 2)
    allocate(nuts, nut_stock, shipment, 3)

    services.shipment_complete(shipment=shipment, user=None)

    shipped = StockMovement.objects.filter(kind=StockMovement.Kind.SHIPPED).order_by("pk")
    assert [(m.stock_item_id, m.part_id) for m in shipped] == [
        (bolt_stock.pk, bolts.part_id),
        (nut_stock.pk, nuts.part_id),
    ]


def test_complete_shipment_twice_ships_once():
    order = issued_order()
    line = order_line(order)
    item = stock(line.part, quantity="10")
    shipment = new_shipment(order)
    allocate(line, item, shipment, 4)
    services.shipment_complete(shipment=shipment, user=None)
    with pytest.raises(AlreadyShippedError, match="already shipped"):
        services.shipment_complete(shipment=shipment, user=None)
    refresh(item, line)
    assert item.quantity == 6 and line.shipped_quantity == 4
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SHIPPED).count() == 1


def test_complete_shipment_refuses_an_empty_shipment():
    order = issued_order()
    shipment = new_shipment(order)
    with pytest.raises(ShipmentStateError, match="has no stock allocated"):
        services.shipment_complete(shipment=shipment, user=None)
    refresh(shipment)
    assert shipment.status == Shipment.Status.PENDING


def test_complete_shipment_refused_while_the_order_is_on_hold():
    order = issued_order()
    line = order_line(order)
    shipment = new_shipment(order)
    allocate(line, stock(line.part), shipment, 1)
    SalesOrder.objects.filter(pk=order.pk).update(status=SalesOrder.Status.ON_HOLD)
    with pytest.raises(OrderNotIssuedError, match="is On Hold"):
        services.shipment_complete(shipment=shipment, user=None)
    refresh(shipment, line)
    assert shipment.status == Shipment.Status.PENDING and line.shipped_quantity == 0


def test_remainder_can_be_allocated_after_a_partial_shipment_and_order_ends_shipped():
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part, quantity="30")
    first = new_shipment(order)
    allocate(line, item, first, 6)
    services.shipment_complete(shipment=first, user=None)
    state = SalesOrder.objects.with_delivery_state().get(pk=order.pk).delivery_state
    assert state == DeliveryState.PARTIALLY_SHIPPED
    with pytest.raises(AllocationError, match="only 4 more"):
        allocate(line, item, new_shipment(order), 5)
    second = order.shipments.get(status=Shipment.Status.PENDING)
    allocate(line, item, second, 4)
    services.shipment_complete(shipment=second, user=None)
    refresh(line, item)
    assert line.shipped_quantity == 10 and item.quantity == 20
    state = SalesOrder.objects.with_delivery_state().get(pk=order.pk).delivery_state
    assert state == DeliveryState.SHIPPED
    assert_invariants()


def test_mark_delivered_after_shipping_only():
    order = issued_order()
    line = order_line(order)
    shipment = new_shipment(order)
    allocate(line, stock(line.part), shipment, 1)
    with pytest.raises(ShipmentStateError, match="has not shipped yet"):
        services.shipment_mark_delivered(shipment=shipment, user=None)
    services.shipment_complete(shipment=shipment, user=None)
    with pytest.raises(ShipmentStateError, match="cannot have been delivered before"):
        services.shipment_mark_delivered(
            shipment=shipment,
            user=None,
            delivery_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    done = services.shipment_mark_delivered(shipment=shipment, user=None)
    assert done.status == Shipment.Status.DELIVERED
    assert done.delivery_date == timezone.localdate()


# --- Auto Allocate -----------------------------------------------------------------------------


def test_auto_allocate_takes_oldest_stock_first_and_reports_shortfall():
    order = issued_order()
    today = timezone.localdate()
    line_a = order_line(order, quantity="10")
    line_b = order_line(order, quantity="5")
    newer = stock(line_a.part, quantity="4", received_date=today)
    older = stock(line_a.part, quantity="4", received_date=today - datetime.timedelta(days=90))
    stock(line_a.part, quantity="50", status=StockItem.Status.DAMAGED)
    stock(line_a.part, quantity="50", expiry_date=today - datetime.timedelta(days=1))
    stock(line_b.part, quantity="9")
    shipment = new_shipment(order)

    result = services.order_auto_allocate(order=order, shipment=shipment, user=None)

    taken = [(line.pk, item.pk, quantity) for line, item, quantity in result.allocated]
    assert taken[:2] == [(line_a.pk, older.pk, 4), (line_a.pk, newer.pk, 4)]
    assert taken[2][0] == line_b.pk and taken[2][2] == 5
    assert [(line.pk, quantity) for line, quantity in result.short] == [(line_a.pk, 2)]
    assert "Not enough stock" in result.summary() and line_a.part_sku in result.summary()
    refresh(line_a, line_b)
    assert line_a.allocated_quantity == 8 and line_b.allocated_quantity == 5
    assert_invariants()


def test_auto_allocate_one_line_and_top_up_an_existing_allocation():
    order = issued_order()
    line_a = order_line(order, quantity="10")
    line_b = order_line(order, quantity="10")
    item = stock(line_a.part, quantity="100")
    stock(line_b.part, quantity="100")
    shipment = new_shipment(order)
    allocate(line_a, item, shipment, 3)
    result = services.order_auto_allocate(order=order, shipment=shipment, user=None, line=line_a)
    assert result.complete and result.allocated_by_unit() == {"pcs": 7}
    assert Allocation.objects.get(line=line_a).quantity == 10
    refresh(line_b)
    assert line_b.allocated_quantity == 0
    assert_invariants()


def test_auto_allocate_refuses_a_shipment_of_another_order_and_a_shipped_one():
    order, other = issued_order(), issued_order()
    line = order_line(order)
    stock(line.part)
    with pytest.raises(ShipmentStateError):
        services.order_auto_allocate(order=order, shipment=new_shipment(other), user=None)
    shipment = new_shipment(order)
    services.order_auto_allocate(order=order, shipment=shipment, user=None)
    services.shipment_complete(shipment=shipment, user=None)
    with pytest.raises(ShipmentStateError, match="only on a pending shipment"):
        services.order_auto_allocate(order=order, shipment=shipment, user=None)


def test_backorders_auto_allocate_serves_higher_priority_then_earlier_target_first(clerk):
    part = PartFactory()
    stock(part, quantity="8")
    today = timezone.localdate()
    low = issued_order(priority=0, target_date=today + datetime.timedelta(days=1))
    late = issued_order(priority=5, target_date=today + datetime.timedelta(days=20))
    soon = issued_order(priority=5, target_date=today + datetime.timedelta(days=2))
    for order in (low, late, soon):
        order_line(order, part, "5")
    results = services.backorders_auto_allocate(user=clerk)
    assert [r.order.pk for r in results] == [soon.pk, late.pk]
    assert [r.allocated_by_unit() for r in results] == [{"pcs": 5}, {"pcs": 3}]
    assert not low.shipments.exists()  # nothing left for it: no empty shipment
    assert soon.shipments.get().created_by == clerk
    assert_invariants()


def test_backorders_auto_allocate_reuses_a_pending_shipment_and_skips_held_orders():
    part = PartFactory()
    stock(part, quantity="20")
    order = issued_order()
    order_line(order, part, "5")
    shipment = new_shipment(order)
    held = issued_order(status=SalesOrder.Status.ON_HOLD)
    order_line(held, part, "5")
    results = services.backorders_auto_allocate(user=None)
    assert [r.shipment.pk for r in results] == [shipment.pk]
    assert not held.shipments.exists()
