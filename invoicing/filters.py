"""Filters of the invoice list (shared with the API)."""

import django_filters
from django import forms
from django.db.models import Q

from core.lists import MatchFilter, StyledFilterSet
from customers.models import Customer
from invoicing.models import Invoice, InvoiceSync


class InvoiceFilter(StyledFilterSet):
    """Query params: q (number, customer, order reference), status, kind, customer,
    invoice_date_after/_before, due_date_after/_before, overdue."""

    compact = True

    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Number, customer or order"
    )
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Invoice.Kind.choices)
    customer = MatchFilter(queryset=Customer.objects.all(), placeholder="Code or name")
    invoice_date_after = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="gte", label="Dated from"
    )
    invoice_date_before = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="lte", label="Dated to"
    )
    due_date_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due by"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue only", widget=forms.CheckboxInput
    )

    class Meta:
        model = Invoice
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(customer_name__icontains=value)
            | Q(order__reference__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


class InvoiceSyncFilter(StyledFilterSet):
    """The Sync page: status (empty: every push not yet done), action."""

    compact = True

    status = django_filters.ChoiceFilter(
        choices=InvoiceSync.Status.choices, method="by_status", empty_label="Not pushed yet"
    )
    action = django_filters.ChoiceFilter(choices=InvoiceSync.Action.choices)

    class Meta:
        model = InvoiceSync
        fields = ["status", "action"]

    def by_status(self, queryset, name, value):
        return queryset.filter(status=value)

    @property
    def qs(self):
        rows = super().qs
        if not (self.form.is_bound and self.form.is_valid() and self.form.cleaned_data["status"]):
            rows = rows.unfinished()
        return rows
