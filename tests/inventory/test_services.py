from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services
from inventory.exceptions import (
    DuplicateSerialError,
    InventoryError,
    StockAllocatedError,
    StockQuantityError,
    StockUnchangedError,
)
from inventory.models import StockItem, StockMovement
from inventory.selectors import holding_orders
from tests.factories import (
    AllocationFactory,
    PartFactory,
    ShipmentFactory,
    StockItemFactory,
    StockLocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


@pytest.fixture
def shelf():
    return StockLocationFactory(name="Main store")


def allocate(item: StockItem, quantity: str):
    """Reserve stock as the shipping service does: an allocation plus the counter."""
    allocation = AllocationFactory(
        stock_item=item, line__part=item.part, quantity=Decimal(quantity)
    )
    StockItem.objects.filter(pk=item.pk).update(allocated_quantity=Decimal(quantity))
    item.refresh_from_db()
    return allocation


def test_receive_creates_item_and_received_movement(clerk, shelf):
    """Receiving stock creates a stock item and a ledger row saying who received what."""
    part = PartFactory()
    item = services.stock_receive(
        part=part, location=shelf, quantity=Decimal("25"), user=clerk, reference="PO-7"
    )
    assert item.quantity == Decimal("25")
    assert item.received_date == timezone.localdate()
    movement = item.movements.get()
    assert movement.kind == StockMovement.Kind.RECEIVED
    assert movement.quantity_delta == Decimal("25")
    assert movement.quantity_after == Decimal("25")
    assert movement.to_location == shelf
    assert movement.user == clerk
    assert movement.reference == "PO-7"


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_receive_refuses_quantity_not_above_zero(clerk, shelf, quantity):
    """Receiving nothing or a negative amount is refused at the quantity field."""
    with pytest.raises(StockQuantityError) as error:
        services.stock_receive(
            part=PartFactory(), location=shelf, quantity=Decimal(quantity), user=clerk
        )
    assert "quantity" in error.value.message_dict
    assert not StockItem.objects.exists()
    assert not StockMovement.objects.exists()


def test_receive_refuses_serialised_item_with_quantity_other_than_one(clerk, shelf):
    """A serial number identifies one piece, so its quantity must be 1."""
    with pytest.raises(StockQuantityError, match="quantity 1"):
        services.stock_receive(
            part=PartFactory(), location=shelf, quantity=2, serial_number="SN-1", user=clerk
        )
    assert not StockItem.objects.exists()


def test_receive_refuses_duplicate_serial_for_same_part(clerk, shelf):
    """A part cannot have two items with the same serial number; other parts may reuse it."""
    part = PartFactory()
    services.stock_receive(part=part, location=shelf, quantity=1, serial_number="SN-1", user=clerk)
    with pytest.raises(DuplicateSerialError) as error:
        services.stock_receive(
            part=part, location=shelf, quantity=1, serial_number="SN-1", user=clerk
        )
    assert "serial_number" in error.value.message_dict
    other = services.stock_receive(
        part=PartFactory(), location=shelf, quantity=1, serial_number="SN-1", user=clerk
    )
    assert other.pk
    assert StockItem.objects.count() == 2


def test_adjust_writes_delta_and_reason(clerk):
    """A stock count sets the quantity; the ledger records the difference and the reason."""
    item = StockItemFactory(quantity=Decimal("10"))
    services.stock_adjust(item=item, new_quantity=Decimal("7"), reason="Cycle count", user=clerk)
    item.refresh_from_db()
    assert item.quantity == Decimal("7")
    movement = item.movements.get()
    assert movement.kind == StockMovement.Kind.ADJUSTED
    assert movement.quantity_delta == Decimal("-3")
    assert movement.quantity_after == Decimal("7")
    assert movement.reason == "Cycle count"


def test_adjust_requires_a_reason(clerk):
    """An adjustment without a reason is refused at the reason field."""
    item = StockItemFactory(quantity=Decimal("10"))
    with pytest.raises(InventoryError) as error:
        services.stock_adjust(item=item, new_quantity=Decimal("7"), reason="  ", user=clerk)
    assert "reason" in error.value.message_dict
    item.refresh_from_db()
    assert item.quantity == Decimal("10")


@pytest.mark.parametrize(
    ("new_quantity", "error_class"),
    [("-1", StockQuantityError), ("10", StockUnchangedError)],
)
def test_adjust_refuses_negative_or_unchanged(clerk, new_quantity, error_class):
    """Negative stock is impossible and a no-op adjustment is pointless: both are refused."""
    item = StockItemFactory(quantity=Decimal("10"))
    with pytest.raises(error_class):
        services.stock_adjust(
            item=item, new_quantity=Decimal(new_quantity), reason="count", user=clerk
        )
    assert not item.movements.exists()


def test_adjust_refuses_serialised_item_above_one(clerk):
    """A serialised item can only hold 1 or 0."""
    item = StockItemFactory(quantity=Decimal("1"), serial_number="SN-9")
    with pytest.raises(StockQuantityError):
        services.stock_adjust(item=item, new_quantity=Decimal("2"), reason="count", user=clerk)
    services.stock_adjust(item=item, new_quantity=Decimal("0"), reason="lost", user=clerk)
    item.refresh_from_db()
    assert item.quantity == 0


def test_adjust_refuses_going_below_allocated_and_names_the_order(clerk):
    """Stock held by a pending shipment cannot be counted away; the order is named."""
    item = StockItemFactory(quantity=Decimal("10"))
    allocation = allocate(item, "6")
    order = allocation.line.order
    with pytest.raises(StockAllocatedError) as error:
        services.stock_adjust(item=item, new_quantity=Decimal("5"), reason="count", user=clerk)
    assert str(order) in str(error.value)
    assert "new_quantity" in error.value.message_dict
    item.refresh_from_db()
    assert item.quantity == Decimal("10")
    services.stock_adjust(item=item, new_quantity=Decimal("6"), reason="count", user=clerk)
    item.refresh_from_db()
    assert item.quantity == Decimal("6")


def test_allocated_message_ignores_shipped_shipments(clerk):
    """Only pending shipments hold stock; a shipped one is not named."""
    item = StockItemFactory(quantity=Decimal("10"))
    pending = allocate(item, "6")
    shipped = AllocationFactory(
        stock_item=item,
        line__part=item.part,
        shipment=ShipmentFactory(status="shipped"),
    )
    assert holding_orders(item) == [str(pending.line.order)]
    assert str(shipped.line.order) not in holding_orders(item)


def test_move_changes_location_and_records_both_places(clerk):
    """Moving stock changes its place, not its quantity, and the ledger says from where to where."""
    item = StockItemFactory(quantity=Decimal("4"))
    old_place, new_place = item.location, StockLocationFactory(name="Dock")
    services.stock_move(item=item, location=new_place, user=clerk, reason="Tidy up")
    item.refresh_from_db()
    assert item.location == new_place
    assert item.quantity == Decimal("4")
    movement = item.movements.get()
    assert (movement.kind, movement.quantity_delta) == (StockMovement.Kind.MOVED, 0)
    assert (movement.from_location, movement.to_location) == (old_place, new_place)


def test_move_to_same_location_is_refused(clerk):
    item = StockItemFactory()
    with pytest.raises(StockUnchangedError):
        services.stock_move(item=item, location=item.location, user=clerk)
    assert not item.movements.exists()


def test_set_status_refuses_damaged_while_allocated(clerk):
    """Allocated stock must stay OK; marking it damaged names the order holding it."""
    item = StockItemFactory(quantity=Decimal("10"))
    allocation = allocate(item, "2")
    with pytest.raises(StockAllocatedError, match=str(allocation.line.order)):
        services.stock_set_status(item=item, status=StockItem.Status.DAMAGED, user=clerk)
    item.refresh_from_db()
    assert item.status == StockItem.Status.OK


def test_set_status_records_the_change(clerk):
    item = StockItemFactory()
    services.stock_set_status(
        item=item, status=StockItem.Status.QUARANTINED, user=clerk, reason="Supplier recall"
    )
    item.refresh_from_db()
    assert item.status == StockItem.Status.QUARANTINED
    assert "Quarantined" in item.movements.get().reason
    assert "Supplier recall" in item.movements.get().reason


def test_every_stock_service_writes_movements_that_carry_the_part(clerk, shelf):
    """Receive, adjust, move and status change each write a movement naming the item's part,
    which the part page reads its movements by."""
    part, other_part = PartFactory(), PartFactory()
    services.stock_receive(part=other_part, location=shelf, quantity=Decimal("1"), user=clerk)
    item = services.stock_receive(part=part, location=shelf, quantity=Decimal("5"), user=clerk)
    services.stock_adjust(item=item, new_quantity=Decimal("4"), reason="Count", user=clerk)
    services.stock_move(item=item, location=StockLocationFactory(), user=clerk)
    services.stock_set_status(item=item, status=StockItem.Status.DAMAGED, user=clerk)

    kinds = list(item.movements.order_by("pk").values_list("kind", "part"))
    assert kinds == [
        (StockMovement.Kind.RECEIVED, part.pk),
        (StockMovement.Kind.ADJUSTED, part.pk),
        (StockMovement.Kind.MOVED, part.pk),
        (StockMovement.Kind.ADJUSTED, part.pk),
    ]
    assert list(part.stock_movements.order_by("pk")) == list(item.movements.order_by("pk"))


# --- reserving and shipping stock (called by shipping under its locks) -----------------------


def test_stock_reserve_adds_and_releases_per_item_in_one_statement(
    django_assert_max_num_queries,
):
    first, second = StockItemFactory(quantity=Decimal("10")), StockItemFactory(quantity=Decimal(5))
    with django_assert_max_num_queries(1):
        services.stock_reserve(quantities={first.pk: Decimal("4"), second.pk: Decimal("2.5")})
    services.stock_reserve(quantities={first.pk: Decimal("-1")})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.allocated_quantity, second.allocated_quantity) == (3, Decimal("2.5"))
    assert not StockMovement.objects.exists()  # a reservation moves nothing


def test_stock_reserve_cannot_allocate_more_than_is_on_hand():
    from django.db import IntegrityError, transaction

    item = StockItemFactory(quantity=Decimal("3"))
    with pytest.raises(IntegrityError), transaction.atomic():
        services.stock_reserve(quantities={item.pk: Decimal("4")})
    item.refresh_from_db()
    assert item.allocated_quantity == 0


def test_stock_ship_lowers_stock_and_writes_one_movement_per_entry(
    clerk, django_assert_max_num_queries
):
    """Two entries of one item and one of another: three movements, the ledger's running
    quantity ending at each item's new quantity, in a fixed number of statements."""
    first, second = StockItemFactory(quantity=Decimal("10")), StockItemFactory(quantity=Decimal(8))
    services.stock_reserve(quantities={first.pk: Decimal("5"), second.pk: Decimal("2")})
    at = timezone.now()
    with django_assert_max_num_queries(3):
        services.stock_ship(
            quantities=[(first.pk, Decimal("3")), (second.pk, Decimal("2")), (first.pk, 2)],
            reference="SO-1 shipment 1 to Acme",
            reason="Shipped to Acme on order SO-1.",
            user=clerk,
            at=at,
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity, first.allocated_quantity) == (5, 0)
    assert (second.quantity, second.allocated_quantity) == (6, 0)
    movements = StockMovement.objects.order_by("pk")
    assert [(m.stock_item_id, m.quantity_delta, m.quantity_after) for m in movements] == [
        (first.pk, -3, 7),
        (second.pk, -2, 6),
        (first.pk, -2, 5),
    ]
    movement = movements[0]
    assert movement.kind == StockMovement.Kind.SHIPPED and movement.user == clerk
    assert movement.part_id == first.part_id and movement.from_location_id == first.location_id
    assert movement.reference == "SO-1 shipment 1 to Acme" and movement.created_at == at
