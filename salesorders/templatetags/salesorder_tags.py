"""Template helpers of the sales-order pages, and the customer page's orders card."""

from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from salesorders.models import OPEN_STATUSES, DeliveryState
from salesorders.selectors import salesorder_customer_summary

register = template.Library()


@register.filter
def qty(value) -> str:
    """10.0000 -> "10", 2.5000 -> "2.5" (never scientific notation)."""
    if value in (None, ""):
        return ""
    return format(Decimal(value).normalize(), "f")


@register.filter
def amount(value) -> str:
    """Money with thousands separators and 2 decimals: 1234.5 -> "1,234.50"."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value):,.2f}"


@register.simple_tag
def status_badge(order) -> str:
    return format_html(
        '<span class="badge badge-status-{}" data-testid="status">{}</span>',
        order.status,
        order.get_status_display(),
    )


@register.simple_tag
def delivery_badge(state) -> str:
    state = state or DeliveryState.NOT_SHIPPED
    return format_html(
        '<span class="badge badge-delivery-{}" data-testid="delivery">{}</span>',
        state,
        DeliveryState(state).label,
    )


@register.inclusion_tag("salesorders/partials/customer_orders_card.html", takes_context=True)
def customer_orders(context, customer) -> dict:
    """The customer page's orders card: its latest orders and open count/value."""
    list_url = reverse("salesorders:list") + "?" + urlencode({"customer": customer.code})
    return {
        **salesorder_customer_summary(customer),
        "perms": context.get("perms"),
        "customer": customer,
        "today": timezone.localdate(),
        "list_url": list_url,
        "open_url": list_url + "".join(f"&status={s}" for s in OPEN_STATUSES),
        "new_url": reverse("salesorders:create") + f"?customer={customer.pk}",
    }
