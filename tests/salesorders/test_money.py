"""Money: exact Decimal amounts, half-up rounding per line, totals from stored amounts."""

from decimal import Decimal

import pytest

from core.numbers import line_amounts
from salesorders import services
from tests.factories import PartFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quantity", "unit_price", "discount", "rate", "expected"),
    [
        ("3", "2.5000", "0", "20", ("7.50", "1.50", "9.00")),
        # 0.125 rounds half-up to 0.13, never banker's 0.12
        ("1", "0.1250", "0", "0", ("0.13", "0.00", "0.13")),
        # 7 x 1.1111 = 7.7777 less 10% = 6.99993 -> 7.00; tax 19% of 7.00 = 1.33
        ("7", "1.1111", "10", "19", ("7.00", "1.33", "8.33")),
        # tax 0.5 cent rounds up: 0.25 x 10% = 0.025 -> 0.03
        ("1", "0.2500", "0", "10", ("0.25", "0.03", "0.28")),
        ("2.5", "3.3300", "12.5", "7", ("7.28", "0.51", "7.79")),
        ("1", "10.0000", "100", "20", ("0.00", "0.00", "0.00")),
    ],
)
def test_line_amounts_round_half_up_to_cents(quantity, unit_price, discount, rate, expected):
    amounts = line_amounts(
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        discount_percent=Decimal(discount),
        tax_percent=Decimal(rate),
    )
    assert amounts == tuple(Decimal(x) for x in expected)
    assert all(str(a) == x for a, x in zip(amounts, expected, strict=True))


def test_order_totals_are_sums_of_stored_line_amounts_plus_extra_lines_and_rebate(order, clerk):
    vat = TaxRateFactory(name="VAT 19%", percent=Decimal("19.000"))
    reduced = TaxRateFactory(name="VAT 7%", percent=Decimal("7.000"))
    a = PartFactory(list_price=Decimal("1.1111"), default_tax_rate=vat)
    b = PartFactory(list_price=Decimal("3.3300"), default_tax_rate=reduced, unit="kg")
    services.salesorder_line_add(order=order, part=a, quantity=7, discount_percent=10, user=clerk)
    services.salesorder_line_add(
        order=order, part=b, quantity="2.5", discount_percent="12.5", user=clerk
    )
    services.salesorder_extra_line_add(
        order=order, description="Shipping", unit_price="12.50", tax_rate=vat, user=clerk
    )
    services.salesorder_extra_line_add(
        order=order, description="Loyalty rebate", unit_price="-5.00", user=clerk
    )
    order.refresh_from_db()
    # lines 7.00 + 7.28, shipping 12.50, rebate -5.00
    assert order.subtotal == Decimal("21.78")
    # taxes 1.33 + 0.51 + 2.38 (19% of 12.50 = 2.375 -> 2.38) + 0
    assert order.tax_total == Decimal("4.22")
    assert order.total == Decimal("26.00")
    assert order.line_count == 2


def test_a_rebate_may_make_a_negative_extra_line_but_not_a_negative_part_price(order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=10, user=clerk)
    extra = services.salesorder_extra_line_add(
        order=order, description="Rebate", unit_price="-3.3333", quantity=3, user=clerk
    )
    assert extra.subtotal == Decimal("-10.00") and extra.total == Decimal("-10.00")
    with pytest.raises(services.LineError, match="cannot be negative"):
        services.salesorder_line_add(
            order=order, part=part, quantity=1, unit_price="-1", user=clerk
        )


def test_removing_and_changing_lines_keeps_totals_right(order, part, part_with_break, clerk):
    line = services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    services.salesorder_line_add(order=order, part=part_with_break, quantity=10, user=clerk)
    order.refresh_from_db()
    assert order.subtotal == Decimal("20.00")  # 4 x 2.50 + 10 x 1.00
    services.salesorder_line_update(line=line, quantity=2, user=clerk)
    order.refresh_from_db()
    assert order.subtotal == Decimal("15.00") and order.total == Decimal("18.00")
    services.salesorder_line_delete(line=line, user=clerk)
    order.refresh_from_db()
    assert (order.subtotal, order.tax_total, order.total) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
