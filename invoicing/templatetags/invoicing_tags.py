"""The invoicing sections of other apps' pages: `{% load invoicing_tags %}`.

`{% order_invoices order %}` is the order page's Invoices section (its invoicing state, its
invoices and credit notes, Create Invoice and Ship and Invoice); `{% customer_invoices
customer %}` the customer page's invoices and open balance. Each costs a constant number of
queries, whatever the number of invoices."""

from django import template

from invoicing import selectors
from salesorders.models import InvoicingState, SalesOrder

register = template.Library()
CUSTOMER_INVOICES = 10  # the latest ones; the invoice list filtered by customer has the rest


@register.inclusion_tag("invoicing/partials/order_invoices.html", takes_context=True)
def order_invoices(context, order):
    """One query, its invoices, for an order read with its invoicing state (the order page's
    `with_invoicing_state()`); two for any other."""
    state = getattr(order, "invoicing_state", None)
    if state is None:
        state = (
            SalesOrder.objects.filter(pk=order.pk)
            .with_invoicing_state()
            .values_list("invoicing_state", flat=True)
            .first()
        )
    state = state or InvoicingState.NOT_INVOICED
    invoices = selectors.order_invoices(order)
    return {
        "order": order,
        "invoicing_state": InvoicingState(state),
        "invoices": invoices,
        "may_invoice": state != InvoicingState.INVOICED and not order.is_pending(),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("invoicing/partials/customer_invoices.html", takes_context=True)
def customer_invoices(context, customer):
    """Two queries (invoicing.selectors.customer_invoices)."""
    read = selectors.customer_invoices(customer, limit=CUSTOMER_INVOICES)
    return {
        "customer": customer,
        "invoices": read.invoices,
        "open_balance": read.open_balance,
        "overdue_balance": read.overdue_balance,
        "open_count": read.open_count,
        "more": len(read.invoices) == CUSTOMER_INVOICES,
        "BASE_CURRENCY": context.get("BASE_CURRENCY"),
        "perms": context.get("perms"),
        "request": context.get("request"),
    }
