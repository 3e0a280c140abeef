"""The quote list table."""

import django_tables2 as tables

from core.badges import Badges
from core.columns import BadgeColumn, IsoDateColumn, iso_date
from core.numbers import format_amount
from quotes.models import QuoteStatus, SalesQuote

STATE_BADGES = Badges(QuoteStatus, css="badge-quote-")


class AmountColumn(tables.Column):
    def render(self, record):
        return f"{format_amount(record.total)} {record.currency}"

    def value(self, record):
        return f"{record.total:.2f}"


class SalesQuoteTable(tables.Table):
    number = tables.Column(linkify=True, order_by=("number_value",))
    customer_name = tables.Column(
        verbose_name="Customer", linkify=lambda record: record.customer.get_absolute_url()
    )
    state = BadgeColumn(STATE_BADGES, verbose_name="Status", order_by=("status", "valid_until"))
    quote_date = IsoDateColumn()
    valid_until = IsoDateColumn()
    line_count = tables.Column(verbose_name="Lines", attrs={"td": {"class": "text-end"}})
    total = AmountColumn(order_by=("total", "pk"), attrs={"td": {"class": "text-end text-nowrap"}})
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
