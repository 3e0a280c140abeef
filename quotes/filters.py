"""Filters of the quote list."""

import django_filters
from django.db.models import Q

from core.lists import MatchFilter, StyledFilterSet
from customers.models import Customer
from quotes.models import QuoteStatus, SalesQuote


class SalesQuoteFilter(StyledFilterSet):
    """Query params: q (number, customer or reference), status (a QuoteStatus, Expired
    included), customer (code or name)."""

    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Number, customer or reference"
    )
    status = django_filters.ChoiceFilter(
        choices=QuoteStatus.choices, method="filter_status", empty_label="Any"
    )
    customer = MatchFilter(queryset=Customer.objects.all(), placeholder="Code or name")

    class Meta:
        model = SalesQuote
        fields = ["q", "status", "customer"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(customer_name__icontains=value)
            | Q(customer_reference__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return queryset.in_state(value) if value else queryset
