"""Template helpers for the shipping sections; they work on prefetched rows, never query."""

from django import template

register = template.Library()


@register.filter
def pending_only(shipments):
    return [s for s in shipments if s.status == "pending"]


@register.filter
def completed_only(shipments):
    return [s for s in shipments if s.status != "pending"]


@register.simple_tag
def stock_item_label(item):
    """Location, batch or serial of a stock item, from its prefetched location only."""
    bits = [f"#{item.pk}", str(item.location)]
    if item.serial_number:
        bits.append(f"serial {item.serial_number}")
    if item.batch_code:
        bits.append(f"batch {item.batch_code}")
    return " · ".join(bits)
