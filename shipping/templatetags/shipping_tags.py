"""Template helpers for the shipping sections; they work on prefetched rows, never query."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pending_only(shipments):
    return [s for s in shipments if s.status == "pending"]


@register.filter
def completed_only(shipments):
    return [s for s in shipments if s.status != "pending"]


@register.filter
def qty(value):
    """5.0000 -> 5, 2.5000 -> 2.5."""
    if value is None or value == "":
        return ""
    return format(Decimal(value).normalize(), "f")


@register.simple_tag
def stock_item_label(item):
    """Location, batch or serial of a stock item, from its prefetched location only."""
    bits = [f"#{item.pk}", str(item.location)]
    if item.serial_number:
        bits.append(f"serial {item.serial_number}")
    if item.batch_code:
        bits.append(f"batch {item.batch_code}")
    return " · ".join(bits)
