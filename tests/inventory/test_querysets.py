import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import Part, StockItem
from tests.factories import PartFactory, StockItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_salable_excludes_inactive_and_not_salable_parts():
    """Only active, salable parts may go on an order."""
    good = PartFactory()
    PartFactory(active=False)
    PartFactory(salable=False)
    assert list(Part.objects.salable()) == [good]


def test_with_stock_sums_on_hand_allocated_and_available():
    """Available counts only OK, unexpired stock, minus what is allocated from it."""
    part = PartFactory()
    StockItemFactory(part=part, quantity=Decimal("10"), allocated_quantity=Decimal("3"))
    StockItemFactory(part=part, quantity=Decimal("5"), status=StockItem.Status.DAMAGED)
    StockItemFactory(part=part, quantity=Decimal("4"), status=StockItem.Status.QUARANTINED)
    StockItemFactory(
        part=part, quantity=Decimal("7"), expiry_date=TODAY - datetime.timedelta(days=1)
    )
    StockItemFactory(part=part, quantity=Decimal("2"), expiry_date=TODAY)  # usable today
    empty = PartFactory()
    annotated = {p.pk: p for p in Part.objects.with_stock()}
    assert annotated[part.pk].on_hand == Decimal("28")
    assert annotated[part.pk].allocated == Decimal("3")
    assert annotated[part.pk].available == Decimal("9")
    assert (annotated[empty.pk].on_hand, annotated[empty.pk].available) == (0, 0)


def test_with_stock_is_one_query(django_assert_num_queries):
    for _ in range(5):
        StockItemFactory()
    with django_assert_num_queries(1):
        parts = list(Part.objects.with_stock())
    assert all(p.available == Decimal("100") for p in parts)


def test_with_available_annotates_each_item():
    StockItemFactory(quantity=Decimal("10"), allocated_quantity=Decimal("4"))
    assert StockItem.objects.with_available().get().available == Decimal("6")


def test_with_available_is_zero_for_stock_that_cannot_be_allocated():
    """Damaged, quarantined and expired items show 0 available, as the part's figure counts
    them; an item expiring today is still usable."""
    part = PartFactory()
    ok = StockItemFactory(part=part, quantity=Decimal("10"), allocated_quantity=Decimal("3"))
    damaged = StockItemFactory(part=part, quantity=Decimal("5"), status=StockItem.Status.DAMAGED)
    quarantined = StockItemFactory(
        part=part, quantity=Decimal("4"), status=StockItem.Status.QUARANTINED
    )
    expired = StockItemFactory(
        part=part, quantity=Decimal("7"), expiry_date=TODAY - datetime.timedelta(days=1)
    )
    today = StockItemFactory(part=part, quantity=Decimal("2"), expiry_date=TODAY)
    available = {item.pk: item.available for item in StockItem.objects.with_available()}
    assert available == {
        ok.pk: Decimal("7"),
        damaged.pk: 0,
        quarantined.pk: 0,
        expired.pk: 0,
        today.pk: Decimal("2"),
    }
    assert sum(available.values()) == Part.objects.with_stock().get(pk=part.pk).available
    assert [item.available_quantity for item in (ok, damaged, expired, today)] == [
        Decimal("7"),
        0,
        0,
        Decimal("2"),
    ]


def test_allocatable_order_and_exclusions():
    """Oldest received first, then soonest expiry; no damaged, expired or fully allocated."""
    part = PartFactory()
    old = StockItemFactory(part=part, received_date=TODAY - datetime.timedelta(days=30))
    newer_expiring = StockItemFactory(
        part=part, received_date=TODAY, expiry_date=TODAY + datetime.timedelta(days=5)
    )
    newer_no_expiry = StockItemFactory(part=part, received_date=TODAY)
    newer_expiring_sooner = StockItemFactory(
        part=part, received_date=TODAY, expiry_date=TODAY + datetime.timedelta(days=1)
    )
    StockItemFactory(part=part, status=StockItem.Status.DAMAGED)
    StockItemFactory(part=part, expiry_date=TODAY - datetime.timedelta(days=1))
    StockItemFactory(part=part, quantity=Decimal("5"), allocated_quantity=Decimal("5"))
    StockItemFactory(part=part, quantity=Decimal("0"))
    other_part_item = StockItemFactory()
    assert list(StockItem.objects.allocatable(part=part)) == [
        old,
        newer_expiring_sooner,
        newer_expiring,
        newer_no_expiry,
    ]
    assert other_part_item in StockItem.objects.allocatable()
    assert StockItem.objects.allocatable(part=part).first().available == Decimal("100")
