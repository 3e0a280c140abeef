"""The database itself refuses bad stock rows, even when code bypasses forms and services."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from inventory.models import Part, PriceBreak, StockItem, TaxRate
from tests.factories import PartFactory, PriceBreakFactory, StockItemFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_duplicate_sku():
    PartFactory(sku="BOLT-1")
    assert refused(lambda: PartFactory(sku="BOLT-1"))
    assert Part.objects.count() == 1


def test_negative_list_price():
    assert refused(lambda: PartFactory(list_price=Decimal("-0.01")))


def test_tax_rate_out_of_range():
    assert refused(lambda: TaxRateFactory(name="Silly", percent=Decimal("100.5")))
    assert not TaxRate.objects.filter(name="Silly").exists()


def test_price_break_rules():
    part = PartFactory()
    PriceBreakFactory(part=part, min_quantity=Decimal("10"))
    assert refused(lambda: PriceBreakFactory(part=part, min_quantity=Decimal("10.0000")))
    assert refused(lambda: PriceBreakFactory(part=part, min_quantity=Decimal("0")))
    assert refused(lambda: PriceBreakFactory(part=part, unit_price=Decimal("-1")))
    assert PriceBreak.objects.count() == 1


def test_stock_quantity_not_negative():
    assert refused(lambda: StockItemFactory(quantity=Decimal("-1")))


def test_allocated_not_above_quantity():
    assert refused(lambda: StockItemFactory(quantity=Decimal("2"), allocated_quantity=Decimal("3")))


def test_only_ok_stock_allocated():
    item = StockItemFactory(quantity=Decimal("5"), allocated_quantity=Decimal("1"))
    assert refused(
        lambda: StockItem.objects.filter(pk=item.pk).update(status=StockItem.Status.DAMAGED)
    )


def test_serialised_item_quantity_one():
    assert refused(lambda: StockItemFactory(serial_number="SN-1", quantity=Decimal("2")))


def test_duplicate_serial_per_part():
    part = PartFactory()
    StockItemFactory(part=part, serial_number="SN-1", quantity=1)
    assert refused(lambda: StockItemFactory(part=part, serial_number="SN-1", quantity=1))
    # Blank serials are not unique, and another part may use the same serial.
    StockItemFactory(part=part)
    StockItemFactory(part=part)
    StockItemFactory(serial_number="SN-1", quantity=1)
