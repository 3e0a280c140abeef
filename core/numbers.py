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


def spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` (cents) over `weights` pro rata, by the largest remainder: the shares are
    whole cents and add up to `total` exactly; ties go to the earlier weight."""
    total = money(total)
    whole = sum(weights, ZERO)
    if not weights or whole == 0 or total == 0:
        return [ZERO for _ in weights]
    cents = int(total / CENT)
    raw = [Decimal(cents) * weight / whole for weight in weights]
    floors = [int(r) for r in raw]  # all shares have the sign of total: int() truncates
    left = cents - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(abs(raw[i] - floors[i])), i))
    step = 1 if left >= 0 else -1
    for i in order[: abs(left)]:
        floors[i] += step
    return [Decimal(f) * CENT for f in floors]


def gross_line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_percent: Decimal,
    prices_include_tax: bool = False,
    order_discount: Decimal = ZERO,
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(subtotal, order discount, tax, total) of a line, each in cents.

    Net prices: subtotal = quantity x price x (1 - discount/100) rounded half-up; the order
    discount share comes off it; tax = what is left x rate/100 rounded half-up.
    Prices including tax: the line's gross amount is rounded half-up to cents and the order
    discount share (gross) comes off it; the tax in it is gross x rate/(100 + rate) rounded
    half-up and net = gross - tax, so net + tax is the gross amount to the cent. subtotal is
    the net before the order discount and the discount its net part.
    """
    amount = money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    if not prices_include_tax:
        net = amount - order_discount
        tax = money(net * tax_percent / HUNDRED)
        return amount, order_discount, tax, net + tax
    gross = amount - order_discount
    tax = money(gross * tax_percent / (HUNDRED + tax_percent))
    subtotal = amount - money(amount * tax_percent / (HUNDRED + tax_percent))
    return subtotal, subtotal - (gross - tax), tax, gross
