import django_filters
from django import forms
from django.db.models import Q

from core.lists import StyledFilterSet
from customers.models import Customer, currency_choices


class CustomerFilter(StyledFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(choices=[("", "Any"), ("true", "Active"), ("false", "Inactive")]),
    )
    currency = django_filters.ChoiceFilter(choices=currency_choices, label="Currency")

    class Meta:
        model = Customer
        fields = ["q", "active", "currency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Code, name or email"

    def search(self, queryset, name, value):
        """Code, name or email contains the words typed."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(email__icontains=value)
        )
