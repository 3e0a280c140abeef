"""The quote list table."""

import django_tables2 as tables

from core.badges import Badges
from core.columns import BadgeColumn, DateColumn, MoneyColumn, iso_date
from quotes.models import QuoteStatus, SalesQuote

STATE_BADGES = Badges(QuoteStatus, css="badge-quote-")


class SalesQuoteTable(tables.Table):
    number = tables.Column(linkify=True, order_by=("number_value",))
    customer_name = tables.Column(
        verbose_name="Customer", linkify=lambda record: record.customer.get_absolute_url()
    )
    state = BadgeColumn(STATE_BADGES, verbose_name="Status", order_by=("status", "valid_until"))
    quote_date = DateColumn()
    valid_until = DateColumn()
    line_count = tables.Column(verbose_name="Lines", attrs={"td": {"class": "text-end"}})
    total = MoneyColumn(order_by=("total", "pk"))
    order = tables.Column(
        verbose_name="Order",
        linkify=lambda record: record.order.get_absolute_url() if record.order_id else None,
        default="",
    )

    class Meta:
        model = SalesQuote
        fields = (
            "number",
            "customer_name",
            "state",
            "quote_date",
            "valid_until",
            "line_count",
            "total",
            "order",
        )
        order_by = ("-number",)
        empty_text = "No quotes match."
        attrs = {"class": "table table-sm table-hover align-middle", "id": "quote-table"}

    export_values = {
        "number": "number",
        "customer_name": "customer_name",
        "state": ("state", STATE_BADGES.label),
        "quote_date": ("quote_date", iso_date),
        "valid_until": ("valid_until", iso_date),
        "line_count": "line_count",
        "total": ("total", "{:.2f}".format),
        "order": "order__reference",
    }
