"""Template tags every page may load: `{% load core_tags %}`."""

from django import template

from core import numbers, rows
from core.badges import kind_badge

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity as people write it: 10.0000 -> "10", 2.5000 -> "2.5"; None -> ""."""
    return numbers.format_quantity(value)


@register.filter
def amount(value) -> str:
    """Money with thousands separators and 2 decimals: 1234.5 -> "1,234.50"; None -> ""."""
    return numbers.format_amount(value)


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
