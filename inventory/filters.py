import django_filters
from django import forms
from django.db.models import Q

from core.lists import MatchFilter, StyledFilterSet
from inventory.models import Part, StockItem, StockLocation

ANY_YES_NO = [("", "Any"), ("true", "Yes"), ("false", "No")]


class PartFilter(StyledFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    salable = django_filters.BooleanFilter(widget=forms.Select(choices=ANY_YES_NO))
    active = django_filters.BooleanFilter(widget=forms.Select(choices=ANY_YES_NO))
    unit = django_filters.ChoiceFilter(choices=Part.Unit.choices)

    class Meta:
        model = Part
        fields = ["q", "salable", "active", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "SKU or name"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))


class StockItemFilter(StyledFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    part = MatchFilter(queryset=Part.objects.all(), placeholder="SKU or name")
    location = django_filters.ModelChoiceFilter(queryset=StockLocation.objects.all())
    status = django_filters.ChoiceFilter(choices=StockItem.Status.choices)

    class Meta:
        model = StockItem
        fields = ["q", "part", "location", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "SKU, batch or serial"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(part__sku__icontains=value)
            | Q(batch_code__icontains=value)
            | Q(serial_number__icontains=value)
        )
