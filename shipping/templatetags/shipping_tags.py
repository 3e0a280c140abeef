"""Template helpers for the shipping sections; they work on prefetched rows, never query."""

from django import template
from django.db.models import Count, F, Prefetch, Window, prefetch_related_objects

from shipping.models import Allocation

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


# Allocations listed per shipment on the order page; the shipment's own page lists them all.
SHIPMENT_ROWS_SHOWN = 25


@register.inclusion_tag("shipping/partials/order_shipments.html", takes_context=True)
def order_shipments(context, order):
    """The order page's Shipments section, from the order's prefetched shipments: one query
    brings each shipment's first SHIPMENT_ROWS_SHOWN allocations and its allocation count."""
    shipments = list(order.shipments.all())
    first = (
        Allocation.objects.select_related("stock_item__location", "line")
        .annotate(shipment_size=Window(Count("pk"), partition_by=[F("shipment_id")]))
        .order_by("line__sort_order", "line_id", "pk")[:SHIPMENT_ROWS_SHOWN]
    )
    prefetch_related_objects(shipments, Prefetch("allocations", first, to_attr="first_allocations"))
    for shipment in shipments:
        rows = shipment.first_allocations
        shipment.allocation_count = rows[0].shipment_size if rows else 0
    return {"order": order, "perms": context.get("perms"), "csrf_token": context.get("csrf_token")}
