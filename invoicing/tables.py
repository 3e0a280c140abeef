"""The invoice list table (sortable, paginated, exported to CSV)."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from accounting.models import base_currency
from core.badges import Badges
from core.columns import BadgeColumn, DateColumn, MoneyColumn, iso_date
from core.numbers import format_amount
from invoicing.models import Invoice, InvoiceSync

STATUS_BADGES = Badges(Invoice.Status, css="badge-invoice-")
KIND_LABELS = dict(Invoice.Kind.choices)

SYNC_BADGES = Badges(InvoiceSync.Status, css="badge-sync-", testid="sync")


class SyncStatusColumn(BadgeColumn):
    """The push to the accounting provider: its badge, empty when never pushed."""

    def render(self, record, bound_column):
        value = self._raw(record, bound_column)
        return self.badges.render(value) if value else ""

    def value(self, record, bound_column):
        value = self._raw(record, bound_column)
        return self.badges.label(value) if value else ""


class DueDateColumn(DateColumn):
    """The due date, with an Overdue badge when the invoice is open and past it."""

    def render(self, record, value):
        text = super().render(value)
        if record.is_overdue(timezone.localdate()):
            return format_html(
                '{} <span class="badge text-bg-danger" data-testid="overdue">Overdue</span>', text
            )
        return text


class InvoiceTable(tables.Table):
    number = tables.Column(verbose_name="Number", linkify=True, order_by=("number_seq", "pk"))
    kind = tables.Column(verbose_name="Kind")
    customer_name = tables.Column(
        verbose_name="Customer", linkify=lambda record: record.customer.get_absolute_url()
    )
    order = tables.Column(
        accessor="order__reference",
        verbose_name="Order",
        linkify=lambda record: record.order.get_absolute_url(),
    )
    invoice_date = DateColumn(verbose_name="Invoice date")
    due_date = DueDateColumn(verbose_name="Due date")
    status = BadgeColumn(STATUS_BADGES)
    total = MoneyColumn(verbose_name="Total", order_by=("total", "pk"))
    currency = tables.Column(verbose_name="Currency")
    base_total = MoneyColumn(
        verbose_name=f"Total ({base_currency()})",
        currency=base_currency(),
        fixed=True,
        order_by=("base_total", "pk"),
    )
    amount_paid = MoneyColumn(verbose_name="Paid")
    # The push to the accounting provider (annotated by Invoice.objects.for_list()).
    sync_status = SyncStatusColumn(SYNC_BADGES, verbose_name="Sync", orderable=False)

    class Meta:
        model = Invoice
        fields = []
        sequence = [
            "number",
            "kind",
            "customer_name",
            "order",
            "invoice_date",
            "due_date",
            "status",
            "total",
            "currency",
            "base_total",
            "amount_paid",
            "sync_status",
        ]
        order_by = ("-invoice_date",)
        empty_text = "No invoices match."
        attrs = {"class": "table table-sm table-hover align-middle", "id": "invoice-table"}

    # How the CSV export (core.lists.CsvExportMixin) reads each column, from values().
    export_values = {
        "number": "number",
        "kind": ("kind", KIND_LABELS.get),
        "customer_name": "customer_name",
        "order": "order__reference",
        "invoice_date": ("invoice_date", iso_date),
        "due_date": ("due_date", iso_date),
        "status": ("status", STATUS_BADGES.label),
        "total": ("total", "{:.2f}".format),
        "currency": "currency",
        "base_total": ("base_total", "{:.2f}".format),
        "amount_paid": ("amount_paid", "{:.2f}".format),
        "sync_status": ("sync_status", lambda value: SYNC_BADGES.label(value) if value else ""),
    }

    def render_number(self, record):
        return str(record)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_total(self, record, value):
        return format_amount(value)

    def render_base_total(self, record, value):
        return format_amount(value)

    def render_amount_paid(self, record, value):
        return format_amount(value)


SYNC_RETRY_BUTTON = """{% if perms.invoicing.change_invoicesync and record.can_retry %}
<form method="post" action="{% url 'invoicing:sync-retry' record.pk %}">{% csrf_token %}
<button type="submit" class="btn btn-sm btn-outline-primary">Retry</button></form>{% endif %}"""


class InvoiceSyncTable(tables.Table):
    """The Sync page: pushes to the accounting provider not done yet, with Retry."""

    invoice = tables.Column(
        verbose_name="Invoice", linkify=lambda record: record.invoice.get_absolute_url()
    )
    action = tables.Column(verbose_name="Push")
    provider = tables.Column(verbose_name="Provider")
    status = BadgeColumn(SYNC_BADGES)
    attempts = tables.Column(verbose_name="Attempts")
    last_error = tables.Column(verbose_name="Last error", orderable=False)
    next_attempt_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Next attempt")
    updated_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name="Last change")
    retry = tables.TemplateColumn(SYNC_RETRY_BUTTON, verbose_name="", orderable=False)

    class Meta:
        model = InvoiceSync
        fields = []
        sequence = [
            "invoice",
            "action",
            "provider",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "updated_at",
            "retry",
        ]
        order_by = ("-updated_at",)
        empty_text = "Every push has reached the provider."
        attrs = {"class": "table table-sm align-middle", "data-testid": "syncs"}

    def render_action(self, record):
        return record.get_action_display()

    def render_provider(self, record):
        return record.get_provider_display()

    def render_last_error(self, value):
        return value[:300]
