"""Filters of the order list; the calendar reuses them."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from accounting.models import base_currency
from core.lists import MatchFilter, StyledFilterSet
from customers.models import Customer
from salesorders.models import InvoicingState, SalesOrder

SHIPPED_NOT_INVOICED = "shipped_not_invoiced"
INVOICING_CHOICES = [
    *InvoicingState.choices,
    (SHIPPED_NOT_INVOICED, "Shipped, not invoiced"),
]


MINE = "me"
REJECTED = "rejected"


class IdsFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """`?ids=3,5,8`: those orders only (the list's Export selected)."""


class SalesOrderFilter(StyledFilterSet):
    """Query params: status (repeatable), customer, order_date_after/_before,
    target_date_after/_before, total_min/_max (in the base currency), invoicing (an
    InvoicingState or shipped_not_invoiced), overdue, q; and the work queues the dashboard
    links to: salesperson=me, approval=rejected, ready_to_complete, to_allocate, ids."""

    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Reference, customer or customer PO"
    )
    # The order's own column: no DISTINCT (django-filter's default for a multiple choice),
    # which had PostgreSQL sort every match on every column before taking the page.
    status = django_filters.MultipleChoiceFilter(
        choices=SalesOrder.Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    customer = MatchFilter(queryset=Customer.objects.all(), placeholder="Code or name")
    order_date = django_filters.DateFromToRangeFilter(
        label="Order date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    target_date = django_filters.DateFromToRangeFilter(
        label="Target date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    total = django_filters.RangeFilter(field_name="base_total", label=f"Total ({base_currency()})")
    invoicing = django_filters.ChoiceFilter(
        choices=INVOICING_CHOICES,
        method="filter_invoicing",
        label="Invoicing",
        empty_label="Any",
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue only",
        widget=forms.CheckboxInput,
    )
    salesperson = django_filters.ChoiceFilter(
        choices=[(MINE, "Me")], method="filter_salesperson", label="Salesperson", empty_label="Any"
    )
    approval = django_filters.ChoiceFilter(
        choices=[(REJECTED, "Rejected, back with the sales person")],
        method="filter_approval",
        label="Approval",
        empty_label="Any",
    )
    ready_to_complete = django_filters.BooleanFilter(
        method="filter_ready_to_complete",
        label="Ready to complete only",
        widget=forms.CheckboxInput,
    )
    to_allocate = django_filters.BooleanFilter(
        method="filter_to_allocate",
        label="Waiting for allocation only",
        widget=forms.CheckboxInput,
    )
    ids = IdsFilter(field_name="pk", lookup_expr="in", widget=forms.HiddenInput)

    class Meta:
        model = SalesOrder
        fields = [
            "q",
            "status",
            "customer",
            "order_date",
            "target_date",
            "total",
            "invoicing",
            "overdue",
            "salesperson",
            "approval",
            "ready_to_complete",
            "to_allocate",
            "ids",
        ]

    def search(self, queryset, name, value):
        """Reference, customer name or customer PO contains the text.

        The name is the order's snapshot of its customer's name, so the trigram indexes of
        migration 0005 answer it without a join; the Customer filter matches the customer's
        current code and name."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(customer_name__icontains=value)
            | Q(customer_reference__icontains=value)
        )

    def filter_invoicing(self, queryset, name, value):
        """An invoicing state, or Accounts' work queue: shipped beyond what is invoiced."""
        if value == SHIPPED_NOT_INVOICED:
            return queryset.shipped_not_invoiced()
        if value:
            return queryset.invoicing_state(value)
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue(timezone.localdate())
        return queryset

    def filter_salesperson(self, queryset, name, value):
        """salesperson=me: the orders of whoever asks (none for a request without a user)."""
        if value != MINE:
            return queryset
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(salesperson=user)

    def filter_approval(self, queryset, name, value):
        return queryset.approval_rejected() if value == REJECTED else queryset

    def filter_ready_to_complete(self, queryset, name, value):
        return queryset.ready_to_complete() if value else queryset

    def filter_to_allocate(self, queryset, name, value):
        return queryset.to_allocate() if value else queryset
