from decimal import Decimal

import pytest

from inventory.models import Part
from inventory.pricing import suggest_unit_price
from tests.factories import PartFactory, PriceBreakFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def part():
    part = PartFactory(list_price=Decimal("10.0000"))
    PriceBreakFactory(part=part, min_quantity=Decimal("10"), unit_price=Decimal("9.0000"))
    PriceBreakFactory(part=part, min_quantity=Decimal("100"), unit_price=Decimal("7.5000"))
    PriceBreakFactory(part=part, min_quantity=Decimal("12.5"), unit_price=Decimal("8.7500"))
    return part


@pytest.mark.parametrize(
    ("quantity", "unit_price", "source", "label"),
    [
        ("0.0001", "10.0000", "list", "List price"),
        ("1", "10.0000", "list", "List price"),
        ("9.9999", "10.0000", "list", "List price"),
        ("10", "9.0000", "break", "Price break: min qty 10"),
        ("10.0001", "9.0000", "break", "Price break: min qty 10"),
        ("12.4999", "9.0000", "break", "Price break: min qty 10"),
        ("12.5", "8.7500", "break", "Price break: min qty 12.5"),
        ("99.9999", "8.7500", "break", "Price break: min qty 12.5"),
        ("100", "7.5000", "break", "Price break: min qty 100"),
        ("100000", "7.5000", "break", "Price break: min qty 100"),
    ],
)
def test_suggested_price_is_largest_break_not_above_quantity(
    part, quantity, unit_price, source, label
):
    """The break with the largest minimum quantity <= the quantity wins, else the list price."""
    suggestion = suggest_unit_price(part, Decimal(quantity))
    assert suggestion.unit_price == Decimal(unit_price)
    assert suggestion.source == source
    assert suggestion.label == label
    if source == "break":
        assert suggestion.price_break.unit_price == Decimal(unit_price)
    else:
        assert suggestion.price_break is None


def test_part_without_breaks_gets_list_price():
    """A part with no price breaks is always sold at its list price."""
    part = PartFactory(list_price=Decimal("3.2500"))
    assert suggest_unit_price(part, 1000).unit_price == Decimal("3.2500")


def test_prefetched_breaks_cost_no_queries(part, django_assert_num_queries):
    """With price breaks prefetched, pricing many parts costs no further query."""
    parts = list(Part.objects.prefetch_related("price_breaks"))
    with django_assert_num_queries(0):
        for each in parts:
            suggest_unit_price(each, Decimal("50"))
