"""Template helpers of quotes for other apps' pages (the order page's "Made from quote")."""

from django import template

from quotes.selectors import quote_of_order

register = template.Library()


@register.inclusion_tag("quotes/partials/order_source_quote.html")
def order_source_quote(order):
    """ "Made from quote SQ-00001" on the order page, linked, when the order came from a
    quote: one query."""
    return {"quote": quote_of_order(order)}
