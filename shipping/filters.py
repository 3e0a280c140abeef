"""Filters of the Backorders and Shipments lists."""

import django_filters
from django import forms
from django.db.models import F, Q

from core.lists import MatchFilter, StyledFilterSet
from core.parsing import parse_bool
from customers.models import Customer
from inventory.models import Part
from salesorders.models import AllocationStatus, FulfilmentState, SalesOrder
from shipping.models import Shipment


class YesNoField(forms.Field):
    """Yes, no or blank (any), read by core.parsing.parse_bool; the rest
    is refused instead of ignored, so a mistyped link does not silently show every row."""

    widget = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
    default_error_messages = {"invalid": "Enter yes or no (true/false, 1/0), or leave it blank."}

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        if not str(value or "").strip():
            return None
        try:
            return parse_bool(str(self.label), str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


def filter_errors(filterset: django_filters.FilterSet) -> str:
    """A filterset's errors as one sentence per field, labelled as on the page."""
    form = filterset.form
    return " ".join(
        f"{form[name].label if name in form.fields else 'Filter'}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


class BackorderFilter(StyledFilterSet):
    compact = True

    part = MatchFilter(queryset=Part.objects.all(), placeholder="SKU or name")
    customer = MatchFilter(
        field_name="order__customer", queryset=Customer.objects.all(), placeholder="Code or name"
    )
    target_after = django_filters.DateFilter(
        field_name="order__target_date", lookup_expr="gte", label="Target from"
    )
    target_before = django_filters.DateFilter(
        field_name="order__target_date", lookup_expr="lte", label="Target to"
    )
    fillable = YesNoFilter(label="Can be filled now", method="filter_fillable")
    fulfilment = django_filters.ChoiceFilter(
        field_name="fulfilment_state",
        choices=[c for c in FulfilmentState.choices if c[0] != FulfilmentState.COMPLETE],
        label="Fulfilment",
    )
    allocation = django_filters.ChoiceFilter(
        field_name="allocation_status", choices=AllocationStatus.choices, label="Allocation"
    )
    order_allocation = django_filters.ChoiceFilter(
        field_name="order_allocation_status",
        choices=AllocationStatus.choices,
        label="Order allocation",
    )

    to_allocate = YesNoFilter(label="Waiting for allocation", method="filter_to_allocate")

    def filter_to_allocate(self, queryset, name, value):
        """Lines of Issued orders with a remainder no pending shipment has stock reserved
        for (with fillable: the backorders Allocate Stock can fill now)."""
        waiting = Q(order__status=SalesOrder.Status.ISSUED) & ~Q(
            allocation_status=AllocationStatus.READY
        )
        return queryset.filter(waiting) if value else queryset.exclude(waiting)

    def filter_fillable(self, queryset, name, value):
        """Available stock covers what is not yet allocated (allocated lines can ship now)."""
        covered = {"part_available__gte": F("remaining") - F("allocated_quantity")}
        return queryset.filter(**covered) if value else queryset.exclude(**covered)


class ShipmentFilter(StyledFilterSet):
    compact = True

    status = django_filters.ChoiceFilter(choices=Shipment.Status.choices)
    shipped_after = django_filters.DateFilter(
        field_name="shipped_date", lookup_expr="gte", label="Shipped from"
    )
    shipped_before = django_filters.DateFilter(
        field_name="shipped_date", lookup_expr="lte", label="Shipped to"
    )
    carrier = django_filters.CharFilter(lookup_expr="icontains")
    customer = MatchFilter(
        field_name="order__customer", queryset=Customer.objects.all(), placeholder="Code or name"
    )
