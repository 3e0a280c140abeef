"""Template tags every page may load: `{% load core_tags %}`."""

from django import template

from core import numbers
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
