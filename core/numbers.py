"""Money and quantity arithmetic and formatting: Decimal only, never float.

Unit prices have 4 decimal places, amounts 2, rounded half-up per line; quantities have 4.
"""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
QUANTITY_STEP = Decimal("0.0001")

# Column shapes shared by every app's models.
QUANTITY = {"max_digits": 12, "decimal_places": 4}
UNIT_PRICE = {"max_digits": 14, "decimal_places": 4}
MONEY = {"max_digits": 14, "decimal_places": 2}
MAX_AMOUNT = Decimal("999999999999.99")  # what a MONEY column holds


def money(value) -> Decimal:
    """Round an amount half-up to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_percent: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) of a priced line, each rounded half-up to 2 dp.

    subtotal = quantity x unit price x (1 - discount/100); tax = subtotal x rate/100.
    """
    subtotal = money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    tax = money(subtotal * tax_percent / HUNDRED)
    return subtotal, tax, subtotal + tax


def format_quantity(value, decimals: int | None = None) -> str:
    """A quantity as people write it: 10.0000 -> "10", 2.5000 -> "2.5", never 1E+1.

    With `decimals` (the unit's, e.g. 3 for kg) it shows that many places: 2.5 -> "2.500",
    10 -> "10" for 0; a value with more places than that is shown in full, never rounded
    away. None and "" give "" (an empty cell)."""
    if value in (None, ""):
        return ""
    number = Decimal(value).normalize()
    if decimals is not None and -number.as_tuple().exponent <= decimals:
        return format(number.quantize(Decimal(1).scaleb(-decimals)), "f")
    return format(number, "f")


def plain(value) -> Decimal:
    """The same number without trailing zeros or an exponent (10.0000 -> 10), for inputs."""
    return Decimal(format_quantity(value))


def format_amount(value) -> str:
    """Money with thousands separators and 2 decimals, rounded half-up like every amount:
    1234.5 -> "1,234.50", 0.125 -> "0.13"; None -> ""."""
    if value in (None, ""):
        return ""
    return f"{money(value):,.2f}"
