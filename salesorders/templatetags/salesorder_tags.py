"""Template helpers of the sales-order pages, and the customer page's orders card."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from salesorders.models import OPEN_STATUSES
from salesorders.selectors import customer_credit_panel, salesorder_customer_summary

register = template.Library()


@register.inclusion_tag("salesorders/partials/customer_orders_card.html", takes_context=True)
def customer_orders(context, customer) -> dict:
    """The customer page's orders card: its latest orders and open count/value."""
    list_url = reverse("salesorders:list") + "?" + urlencode({"customer": customer.code})
    return {
        **salesorder_customer_summary(customer),
        "perms": context.get("perms"),
        "customer": customer,
        "list_url": list_url,
        "open_url": list_url + "".join(f"&status={s}" for s in OPEN_STATUSES),
        "new_url": reverse("salesorders:create") + f"?customer={customer.pk}",
    }


@register.inclusion_tag("salesorders/partials/customer_credit_card.html")
def customer_credit(customer) -> dict:
    """The customer page's credit panel: limit, exposure, available credit and the orders
    that make it up (selectors.customer_credit_panel: two queries)."""
    return customer_credit_panel(customer)
