"""Filters of the Backorders and Shipments lists."""

import django_filters
from django import forms
from django.db.models import F

from config.lists import MatchFilter
from customers.models import Customer
from inventory.models import Part
from shipping.models import Shipment

DATE = forms.DateInput(attrs={"type": "date"})


class StyledFilterSet(django_filters.FilterSet):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            css = "form-select form-select-sm" if is_select else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class BackorderFilter(StyledFilterSet):
    part = MatchFilter(queryset=Part.objects.all(), placeholder="SKU or name")
    customer = MatchFilter(
        field_name="order__customer", queryset=Customer.objects.all(), placeholder="Code or name"
    )
    target_after = django_filters.DateFilter(
        field_name="order__target_date", lookup_expr="gte", label="Target from", widget=DATE
    )
    target_before = django_filters.DateFilter(
        field_name="order__target_date", lookup_expr="lte", label="Target to", widget=DATE
    )
    fillable = django_filters.BooleanFilter(
        label="Can be filled now",
        method="filter_fillable",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )

    def filter_fillable(self, queryset, name, value):
        """Available stock covers what is not yet allocated (allocated lines can ship now)."""
        covered = {"part_available__gte": F("remaining") - F("allocated_quantity")}
        return queryset.filter(**covered) if value else queryset.exclude(**covered)


class ShipmentFilter(StyledFilterSet):
    status = django_filters.ChoiceFilter(choices=Shipment.Status.choices)
    shipped_after = django_filters.DateFilter(
        field_name="shipped_date", lookup_expr="gte", label="Shipped from", widget=DATE
    )
    shipped_before = django_filters.DateFilter(
        field_name="shipped_date", lookup_expr="lte", label="Shipped to", widget=DATE
    )
    carrier = django_filters.CharFilter(lookup_expr="icontains")
    customer = MatchFilter(
        field_name="order__customer", queryset=Customer.objects.all(), placeholder="Code or name"
    )
