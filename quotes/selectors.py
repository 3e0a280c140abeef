"""Reads of quotes for other apps' pages."""

from quotes.models import SalesQuote


def quote_of_order(order) -> SalesQuote | None:
    """The quote `order` was made from (Make Order), or None: one query."""
    return SalesQuote.objects.filter(order_id=order.pk).only("pk", "number", "order_id").first()
