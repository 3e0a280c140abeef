"""Money and quantity arithmetic and formatting: Decimal only, never float.

Unit prices have 4 decimal places, amounts 2, rounded half-up per line; quantities have 4.

What people read is formatted here, once, for pages, tables, prints and emails (the template
filters in core.templatetags.core_tags and the columns in core.columns call these):
money with the currency (settings.MONEY_DISPLAY_FORMAT, the currency's minor-unit digits),
unit prices with up to 4 decimals, quantities with their unit's decimals, dates and times in
settings.DATE_DISPLAY_FORMAT / DATETIME_DISPLAY_FORMAT. CSV exports and inputs keep plain
decimals and ISO dates.
"""

import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import dateformat, timezone, translation

from core.currency import currency_symbol, minor_unit_digits

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


MINUS = "-"


def format_amount(value, currency: str | None = None) -> str:
    """Money with thousands separators, rounded half-up like every amount, to 2 decimals or,
    given a currency, to its minor-unit digits: 1234.5 -> "1,234.50", 0.125 -> "0.13",
    (1234.5, "JPY") -> "1,235"; negative -> "−1,234.50"; None -> ""."""
    if value in (None, ""):
        return ""
    digits = minor_unit_digits(currency) if currency else 2
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{digits}f}"
    return f"{MINUS}{text}" if rounded < 0 else text


def _with_currency(value, text: str, currency: str | None) -> str:
    if not currency or text == "":
        return text
    negative = text.startswith(MINUS)
    shown = settings.MONEY_DISPLAY_FORMAT.format(
        amount=text.removeprefix(MINUS), code=currency, symbol=currency_symbol(currency)
    )
    return f"{MINUS}{shown}" if negative else shown


def format_money(value, currency: str | None) -> str:
    """An amount as every page shows it: settings.MONEY_DISPLAY_FORMAT ("{amount} {code}":
    "1,581.56 EUR", "158,156 JPY"; "{symbol}{amount}": "€1,581.56"), the sign in front
    ("−1,581.56 EUR"). Without a currency, the amount alone; None -> ""."""
    return _with_currency(value, format_amount(value, currency), currency)


def format_unit_price(value, currency: str | None = None) -> str:
    """A unit price: up to 4 decimals, trailing zeros trimmed down to the currency's digits
    (11.2000 -> "11.20", 11.2345 -> "11.2345", JPY 1100.0000 -> "1,100"), with thousands
    separators and, given a currency, shown like format_money. None -> ""."""
    if value in (None, ""):
        return ""
    digits = minor_unit_digits(currency) if currency else 2
    price = Decimal(value).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
    places = max(digits, -price.normalize().as_tuple().exponent)
    price = price.quantize(Decimal(1).scaleb(-min(places, 4)))
    text = f"{abs(price):,f}"
    return _with_currency(value, f"{MINUS}{text}" if price < 0 else text, currency)


# Decimals per unit of measure ("pcs": 0, "kg": 3), registered by the app that owns the units
# (inventory), so `qty` can show a quantity as its unit allows without core knowing units.
UNIT_DECIMALS: dict[str, int] = {}


def register_unit_decimals(decimals: dict[str, int]) -> None:
    UNIT_DECIMALS.update(decimals)


def format_unit_quantity_number(value, unit: str | None) -> str:
    """A quantity with its unit's decimals, without the unit: pcs 40 -> "40", kg 1.5 ->
    "1.500"; an unknown or no unit shows it as people write it (2.5000 -> "2.5")."""
    return format_quantity(value, UNIT_DECIMALS.get(unit) if unit else None)


def format_date(value) -> str:
    """A date in settings.DATE_DISPLAY_FORMAT ("d M Y": "10 Jan 2027"); a datetime gives its
    day in the current time zone. None and "" give ""."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return _date_text(value, settings.DATE_DISPLAY_FORMAT, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _date_text(value: datetime.date, display_format: str, language: str | None) -> str:
    """A day as `display_format` writes it in `language` (its month names): the same few
    hundred days fill every list and calendar, and Django's formatter looks each letter's
    text up again for every date."""
    return dateformat.format(value, display_format)


def format_datetime(value) -> str:
    """A moment in settings.DATETIME_DISPLAY_FORMAT ("d M Y H:i": "10 Jan 2027 14:05"), in
    the current time zone; a plain date is shown as a date. None and "" give ""."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return format_date(value)
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, settings.DATETIME_DISPLAY_FORMAT)


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
