"""django-tables2 tables of the Backorders and Shipments lists."""

import django_tables2 as tables
from django.utils.html import format_html

from core.badges import Badges
from core.columns import NUMBER, BadgeColumn, DateColumn, QuantityColumn, iso_date
from core.numbers import format_quantity
from inventory.models import format_unit_quantity
from salesorders.models import SalesOrder, SalesOrderLine
from salesorders.tables import ALLOCATION_BADGES, FULFILMENT_BADGES
from shipping.models import Shipment

STATUS_BADGES = Badges(
    Shipment.Status,
    css={
        Shipment.Status.PENDING: "text-bg-warning",
        Shipment.Status.SHIPPED: "text-bg-primary",
        Shipment.Status.DELIVERED: "text-bg-success",
    },
)


class BackorderTable(tables.Table):
    customer = tables.Column(accessor="order__customer_name", verbose_name="Customer")
    order = tables.Column(accessor="order__reference", verbose_name="Order")
    priority = tables.Column(accessor="order__priority", verbose_name="Priority", attrs=NUMBER)
    status = tables.Column(accessor="order__status", verbose_name="Status")
    order_date = DateColumn(accessor="order__order_date", verbose_name="Order date")
    target_date = DateColumn(accessor="order__target_date", verbose_name="Target date")
    part_sku = tables.Column(verbose_name="Part")
    quantity = QuantityColumn(verbose_name="Ordered", unit="unit")
    shipped_quantity = QuantityColumn(verbose_name="Shipped", unit="unit")
    allocated_quantity = QuantityColumn(verbose_name="Allocated", unit="unit")
    remaining = QuantityColumn(verbose_name="Remaining", unit="unit")
    part_available = QuantityColumn(verbose_name="Available", unit="unit")
    fulfilment_state = BadgeColumn(FULFILMENT_BADGES, verbose_name="Fulfilment")
    allocation_status = BadgeColumn(ALLOCATION_BADGES, verbose_name="Allocation")
    order_allocation_status = BadgeColumn(ALLOCATION_BADGES, verbose_name="Order alloc.")

    class Meta:
        model = SalesOrderLine
        fields = []
        sequence = [
            "customer",
            "order",
            "priority",
            "status",
            "order_date",
            "target_date",
            "part_sku",
            "quantity",
            "shipped_quantity",
            "allocated_quantity",
            "remaining",
            "part_available",
            "fulfilment_state",
            "allocation_status",
            "order_allocation_status",
        ]
        # The allocation queue; the index `salesorder_backorder_queue` serves it.
        order_by = ("-priority", "target_date", "order", "part_sku")
        empty_text = "Nothing is waiting to ship."

    # How the CSV export (core.lists.CsvExportMixin) reads each column, from values().
    export_values = {
        "customer": "order__customer_name",
        "order": "order__reference",
        "priority": "order__priority",
        "status": ("order__status", lambda value: SalesOrder.Status(value).label),
        "order_date": ("order__order_date", iso_date),
        "target_date": ("order__target_date", iso_date),
        "part_sku": "part_sku",
        "quantity": ("quantity", format_quantity),
        "shipped_quantity": ("shipped_quantity", format_quantity),
        "allocated_quantity": ("allocated_quantity", format_quantity),
        "remaining": ("remaining", format_quantity),
        "part_available": ("part_available", format_quantity),
        "fulfilment_state": ("fulfilment_state", FULFILMENT_BADGES.label),
        "allocation_status": ("allocation_status", ALLOCATION_BADGES.label),
        "order_allocation_status": ("order_allocation_status", ALLOCATION_BADGES.label),
    }

    def render_order(self, record, value):
        return format_html('<a href="{}">{}</a>', record.order.get_absolute_url(), value)

    def render_status(self, record):
        return record.order.get_status_display()

    def render_remaining(self, record, value):
        """With the unit and its decimals ("3.50 m"); the CSV keeps the plain number."""
        return format_unit_quantity(value, record.unit)

    def render_part_available(self, record, value):
        return format_unit_quantity(value, record.unit)

    def render_part_sku(self, record):
        return format_html(
            '{} <span class="text-body-secondary">{}</span>', record.part_sku, record.part_name
        )


class ShipmentTable(tables.Table):
    reference = tables.Column(verbose_name="Shipment", linkify=True)
    order = tables.Column(accessor="order__reference", verbose_name="Order")
    customer = tables.Column(accessor="order__customer_name", verbose_name="Customer")
    status = BadgeColumn(STATUS_BADGES)
    carrier = tables.Column()
    tracking_number = tables.Column(verbose_name="Tracking")
    shipped_date = DateColumn(verbose_name="Shipped")
    delivery_date = DateColumn(verbose_name="Delivered")
    allocation_count = tables.Column(verbose_name="Items", attrs=NUMBER)

    class Meta:
        model = Shipment
        fields = []
        sequence = [
            "reference",
            "order",
            "customer",
            "status",
            "carrier",
            "tracking_number",
            "shipped_date",
            "delivery_date",
            "allocation_count",
        ]
        order_by = ("-pk",)
        empty_text = "No shipments yet."

    # How the CSV export (core.lists.CsvExportMixin) reads each column, from values().
    export_values = {
        "reference": "reference",
        "order": "order__reference",
        "customer": "order__customer_name",
        "status": ("status", STATUS_BADGES.label),
        "carrier": "carrier",
        "tracking_number": "tracking_number",
        "shipped_date": ("shipped_date", iso_date),
        "delivery_date": ("delivery_date", iso_date),
        "allocation_count": "allocation_count",
    }

    def render_order(self, record, value):
        return format_html('<a href="{}">{}</a>', record.order.get_absolute_url(), value)
