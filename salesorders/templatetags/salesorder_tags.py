"""Template helpers of the sales-order pages, and the customer page's orders card."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from salesorders import line_rows
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


@register.simple_tag(takes_context=True)
def order_line_rows(context, lines) -> list[tuple]:
    """`{% order_line_rows lines as rows %}`: each line of the order page's table with its
    `<tr>`, as (line, markup) pairs (see salesorders.line_rows: the rows are written in
    Python, a page of 100 lines in a tenth of the template loop's time)."""
    return line_rows.order_line_rows(
        lines,
        order=context["order"],
        can_edit=bool(context.get("can_edit")),
        may_deliver=bool(context.get("may_deliver")),
        may_cancel_remaining=bool(context.get("may_cancel_remaining")),
    )
