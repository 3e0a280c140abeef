"""Template tags every page may load: `{% load core_tags %}`.

One filter for each kind of value, used on every page, print and email (core.numbers):
`{{ order.total|amount:order.currency }}` -> "1,581.56 EUR" (settings.MONEY_DISPLAY_FORMAT),
`{{ line.unit_price|unit_price:order.currency }}` -> "11.20 EUR",
`{{ line.quantity|qty:line.unit }}` -> "1.500",
`{{ order.order_date|show_date }}` -> "10 Jan 2027" (settings.DATE_DISPLAY_FORMAT),
`{{ order.issued_at|show_datetime }}` -> "10 Jan 2027 14:05"."""

from django import template

from core import numbers, rows
from core.badges import kind_badge

register = template.Library()


@register.filter
def qty(value, unit: str | None = None) -> str:
    """A quantity as people write it (10.0000 -> "10", 2.5000 -> "2.5"), or with the unit's
    decimals given its unit (`|qty:line.unit`: pcs "40", kg "1.500"); None -> ""."""
    return numbers.format_unit_quantity_number(value, unit)


@register.filter
def amount(value, currency: str | None = None) -> str:
    """Money with the currency's digits and thousands separators, shown with its currency
    (`|amount:order.currency` -> "1,234.50 EUR", "1,235 JPY"); without one, the number alone
    ("1,234.50"). None -> ""."""
    return numbers.format_money(value, currency)


@register.filter
def unit_price(value, currency: str | None = None) -> str:
    """A unit price: up to 4 decimals, trailing zeros trimmed to the currency's digits
    (`|unit_price:order.currency`: 11.2000 -> "11.20 EUR", 11.2345 -> "11.2345 EUR")."""
    return numbers.format_unit_price(value, currency)


@register.filter
def show_date(value) -> str:
    """A date in settings.DATE_DISPLAY_FORMAT ("10 Jan 2027"); None -> ""."""
    return numbers.format_date(value)


@register.filter
def show_datetime(value) -> str:
    """A date and time in settings.DATETIME_DISPLAY_FORMAT ("10 Jan 2027 14:05"), in the
    current time zone; None -> ""."""
    return numbers.format_datetime(value)


@register.simple_tag
def badge(kind: str, value, label):
    """`{% badge "status" order.status order.get_status_display %}`: a badge of class
    `badge-<kind>-<value>` with `data-testid="<kind>"` (see core.badges.kind_badge)."""
    return kind_badge(kind, value, label)


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """`{% table_rows table as rows %}`: the body rows of a django-tables2 table, rendered in
    Python with the template loop's markup (see core.rows)."""
    return rows.table_rows(table, context)


@register.simple_tag(takes_context=True)
def table_header(context, table):
    """`{% table_header table %}`: the header cells of a django-tables2 table, rendered in
    Python with its template's markup (see core.rows)."""
    return rows.table_header(table, context)
