"""The order list table (sortable, paginated, exported to CSV)."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from config.lists import IsoDateColumn
from salesorders.models import DeliveryState, SalesOrder


class StatusColumn(tables.Column):
    def render(self, record):
        return format_html(
            '<span class="badge badge-status-{}">{}</span>',
            record.status,
            record.get_status_display(),
        )

    def value(self, record):
        return record.get_status_display()


class DeliveryColumn(tables.Column):
    def render(self, value):
        return format_html(
            '<span class="badge badge-delivery-{}">{}</span>', value, DeliveryState(value).label
        )

    def value(self, value):
        return DeliveryState(value).label


class TargetDateColumn(tables.Column):
    """The ship-by date, highlighted when the order is open and past it."""

    def render(self, record, value):
        if record.is_overdue(timezone.localdate()):
            return format_html('<span class="overdue" title="Overdue">{}</span>', value.isoformat())
        return value.isoformat()

    def value(self, value):
        return value.isoformat() if value else ""


class TotalColumn(tables.Column):
    def render(self, record):
        return f"{record.total:,.2f} {record.currency}"

    def value(self, record):
        return f"{record.total:.2f}"


class SalesOrderTable(tables.Table):
    reference = tables.Column(linkify=True, order_by=("reference_number",))
    customer_name = tables.Column(
        verbose_name="Customer", linkify=lambda record: record.customer.get_absolute_url()
    )
    customer_reference = tables.Column(verbose_name="Customer PO")
    status = StatusColumn()
    delivery_state = DeliveryColumn(verbose_name="Delivery")
    order_date = IsoDateColumn()
    target_date = TargetDateColumn(
        verbose_name="Target date", attrs={"td": {"class": "text-nowrap"}}
    )
    line_count = tables.Column(verbose_name="Lines", attrs={"td": {"class": "text-end"}})
    currency = tables.Column(visible=False)
    total = TotalColumn(attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta:
        model = SalesOrder
        fields = (
            "reference",
            "customer_name",
            "customer_reference",
            "status",
            "delivery_state",
            "order_date",
            "target_date",
            "line_count",
            "total",
            "currency",
        )
        order_by = ("-reference",)
        empty_text = "No sales orders match."
        attrs = {"class": "table table-sm table-hover align-middle", "id": "order-table"}
