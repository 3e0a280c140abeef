"""Template helpers for the shipping sections. The filters work on loaded rows, never query;
`order_shipments` reads the order page's shipments panel through shipping.selectors."""

from django import template

from core.links import child_url_maker
from shipping.selectors import order_shipments as read_order_shipments

register = template.Library()


@register.inclusion_tag("shipping/partials/order_shipments.html", takes_context=True)
def order_shipments(context, order):
    """The order page's shipments panel: pending shipments with their actions, then the
    completed ones, each with its first allocations (and each one's Remove URL,
    `remove_url`) and a link to all of them. At most two queries (none for the shipments
    when the page prefetched `order.shipments`)."""
    shipments = read_order_shipments(order)
    for shipment in shipments:
        remove_url = child_url_maker("shipping:allocation-delete", order.pk, shipment.pk)
        for allocation in shipment.first_allocations:
            allocation.remove_url = remove_url(allocation.pk)
    return {
        "order": order,
        "shipments": shipments,
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.filter
def pending_only(shipments):
    return [s for s in shipments if s.is_pending]


@register.filter
def completed_only(shipments):
    return [s for s in shipments if not s.is_pending]


@register.simple_tag
def stock_item_label(item):
    """Location, batch or serial of a stock item, from its prefetched location only."""
    bits = [f"#{item.pk}", str(item.location)]
    if item.serial_number:
        bits.append(f"serial {item.serial_number}")
    if item.batch_code:
        bits.append(f"batch {item.batch_code}")
    return " · ".join(bits)
