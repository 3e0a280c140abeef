"""The order list table (sortable, paginated, exported to CSV)."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from accounting.models import base_currency
from core.badges import Badges
from core.columns import BadgeColumn, DateColumn, iso_date
from core.numbers import format_money
from salesorders.models import (
    AllocationStatus,
    DeliveryState,
    FulfilmentState,
    InvoicingState,
    SalesOrder,
)

STATUS_BADGES = Badges(SalesOrder.Status, css="badge-status-")
DELIVERY_BADGES = Badges(DeliveryState, css="badge-delivery-", default=DeliveryState.NOT_SHIPPED)
FULFILMENT_BADGES = Badges(FulfilmentState, css="badge-fulfilment-")
ALLOCATION_BADGES = Badges(AllocationStatus, css="badge-allocation-")
INVOICING_BADGES = Badges(
    InvoicingState, css="badge-invoicing-", default=InvoicingState.NOT_INVOICED
)


class TargetDateColumn(DateColumn):
    """The ship-by date, highlighted when the order is open and past it."""

    def render(self, record, value):
        text = super().render(value)
        if record.is_overdue(timezone.localdate()):
            return format_html('<span class="overdue" title="Overdue">{}</span>', text)
        return text


class TotalColumn(tables.Column):
    """The total in the base currency (what it sorts and filters by), and beneath it the
    document's own total when the order is in another currency."""

    def render(self, record):
        base = format_money(record.base_total, base_currency())
        if record.currency == base_currency():
            return base
        return format_html(
            '{}<br><small class="text-body-secondary">{}</small>',
            base,
            format_money(record.total, record.currency),
        )

    def value(self, record):
        return f"{record.base_total:.2f}"


class SalesOrderTable(tables.Table):
    # The order list's bulk actions (config.bulk) post the checked rows' pks from the form the
    # template names; the header's select-all box shows where JavaScript runs
    # (static/app/bulk-actions.js).
    select = tables.CheckBoxColumn(
        accessor="pk",
        exclude_from_export=True,
        attrs={
            "td__input": {"form": "bulk-actions", "aria-label": "Select"},
            "th__input": {"hidden": True, "aria-label": "Select all", "data-select-all": ""},
        },
    )
    reference = tables.Column(linkify=True, order_by=("reference_number",))
    customer_name = tables.Column(
        verbose_name="Customer", linkify=lambda record: record.customer.get_absolute_url()
    )
    customer_reference = tables.Column(verbose_name="Customer PO")
    status = BadgeColumn(STATUS_BADGES)
    delivery_state = BadgeColumn(DELIVERY_BADGES, verbose_name="Delivery")
    invoicing_state = BadgeColumn(INVOICING_BADGES, verbose_name="Invoicing")
    order_date = DateColumn()
    target_date = TargetDateColumn(verbose_name="Target date")
    line_count = tables.Column(verbose_name="Lines", attrs={"td": {"class": "text-end"}})
    currency = tables.Column(visible=False)
    total = TotalColumn(
        verbose_name=f"Total ({base_currency()})",
        order_by=("base_total", "pk"),
        attrs={"td": {"class": "text-end text-nowrap"}},
    )
    document_total = tables.Column(accessor="total", verbose_name="Document total", visible=False)

    class Meta:
        model = SalesOrder
        fields = (
            "select",
            "reference",
            "customer_name",
            "customer_reference",
            "status",
            "delivery_state",
            "invoicing_state",
            "order_date",
            "target_date",
            "line_count",
            "total",
            "currency",
            "document_total",
        )
        order_by = ("-reference",)
        empty_text = "No sales orders match."
        attrs = {"class": "table table-sm table-hover align-middle", "id": "order-table"}

    # How the CSV export (core.lists.CsvExportMixin) reads each column, from values().
    export_values = {
        "reference": "reference",
        "customer_name": "customer_name",
        "customer_reference": "customer_reference",
        "status": ("status", STATUS_BADGES.label),
        "delivery_state": ("delivery_state", DELIVERY_BADGES.label),
        "invoicing_state": ("invoicing_state", INVOICING_BADGES.label),
        "order_date": ("order_date", iso_date),
        "target_date": ("target_date", iso_date),
        "line_count": "line_count",
        "total": ("base_total", "{:.2f}".format),
        "currency": "currency",
        "document_total": ("total", "{:.2f}".format),
    }
