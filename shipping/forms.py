"""Input shapes of the shipping pages. Forms validate input; the services apply the rules."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import MultilineField
from core.numbers import format_quantity
from inventory.models import StockItem, format_unit_quantity
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Shipment


def stock_choice_label(item: StockItem) -> str:
    """Location, batch or serial, expiry and availability: what a picker chooses by."""
    bits = [str(item.location)]
    if item.serial_number:
        bits.append(f"serial {item.serial_number}")
    if item.batch_code:
        bits.append(f"batch {item.batch_code}")
    if item.expiry_date:
        bits.append(f"expires {item.expiry_date:%d %b %Y}")
    bits.append(f"received {item.received_date:%d %b %Y}")
    bits.append(f"{format_quantity(item.available)} available")
    return f"#{item.pk} · " + " · ".join(bits)


class AcceptingChoiceField(forms.ModelChoiceField):
    """Shows the choices of `queryset` but accepts any row of `accepted`.

    Someone who chose a row that dropped out of the choices meanwhile (another person took the
    last units, completed the shipment) reaches the service, which says what happened, instead
    of reading "Select a valid choice". A value that is no row at all reads `gone_message`,
    the service's sentence for a row that no longer exists."""

    def __init__(self, *args, gone_message: str = "", **kwargs):
        self.accepted = None
        super().__init__(*args, **kwargs)
        if gone_message:
            self.error_messages["invalid_choice"] = gone_message

    def to_python(self, value):
        if value in self.empty_values:
            return None
        accepted = self.accepted if self.accepted is not None else self.queryset
        self.validate_no_null_characters(value)
        try:
            return accepted.get(pk=value.pk if isinstance(value, accepted.model) else value)
        except (ValueError, TypeError, accepted.model.DoesNotExist, ValidationError):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: SalesOrderLine) -> str:
        need = format_unit_quantity(line.unallocated_quantity, line.unit)
        return f"{line.part_sku} {line.part_name} ({need} to allocate)"


class StockItemChoiceField(AcceptingChoiceField):
    def label_from_instance(self, item: StockItem) -> str:
        return stock_choice_label(item)


class ChooseLineForm(forms.Form):
    """Step one of Allocate Stock (a GET): which line."""

    line = LineChoiceField(
        queryset=SalesOrderLine.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, order: SalesOrder, **kwargs):
        super().__init__(*args, **kwargs)
        # Service lines need no stock (they are marked delivered on the order page).
        self.fields["line"].queryset = order.lines.goods().order_by("sort_order", "pk")


class AllocationForm(forms.Form):
    """Allocate Stock for a line: the stock item (offered oldest first, the view preselects the
    first), the quantity and the shipment."""

    line = forms.ModelChoiceField(queryset=SalesOrderLine.objects.none(), widget=forms.HiddenInput)
    stock_item = StockItemChoiceField(
        queryset=StockItem.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        empty_label=None,
        gone_message="That stock item no longer exists.",
    )
    quantity = forms.DecimalField(
        max_digits=12,
        decimal_places=4,
        required=False,
        help_text="Left blank: as much as the line still needs and the item can give.",
    )
    shipment = AcceptingChoiceField(
        queryset=Shipment.objects.none(),
        empty_label=None,
        gone_message="That shipment no longer exists.",
    )

    def __init__(self, *args, order: SalesOrder, line: SalesOrderLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.order, self.line = order, line
        self.fields["line"].queryset = order.lines.all()
        self.fields["line"].initial = line.pk
        # Offered: what can be allocated now. Accepted: any stock item and any shipment, so
        # allocation_create gives the reason for every refusal (another part's stock, another
        # order's shipment), in its own sentence.
        stock_item, shipment = self.fields["stock_item"], self.fields["shipment"]
        stock_item.queryset = StockItem.objects.allocatable(part=line.part).select_related(
            "location"
        )
        stock_item.accepted = StockItem.objects.select_related("part").with_available()
        shipment.queryset = order.shipments.filter(status=Shipment.Status.PENDING).order_by("pk")
        shipment.accepted = Shipment.objects.all()

    def clean(self):
        data = super().clean()
        item, line = data.get("stock_item"), data.get("line")
        if line is not None and line.pk != self.line.pk:
            raise forms.ValidationError("The line changed; choose it again.")
        if item is not None and data.get("quantity") is None:
            need, available = self.line.unallocated_quantity, item.available
            data["quantity"] = min(need, available)
            if data["quantity"] <= 0:
                # Nothing can be taken: ask for what the free side wants, so the service
                # refuses with the reason (the line is covered, or the item has none left).
                data["quantity"] = max(need, available, Decimal("0"))
        return data


class CompleteShipmentForm(forms.Form):
    carrier = forms.CharField(max_length=100, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)
    shipped_date = forms.DateField(required=False, help_text="Today if blank.")


class NewShipmentForm(forms.Form):
    """New Shipment: both fields optional; the lengths are the model's."""

    reference = forms.CharField(
        max_length=Shipment._meta.get_field("reference").max_length, required=False
    )
    carrier = forms.CharField(
        max_length=Shipment._meta.get_field("carrier").max_length, required=False
    )


class DeliveredForm(forms.Form):
    delivery_date = forms.DateField(required=False, initial=timezone.localdate)


class ShipmentForm(forms.ModelForm):
    class Meta:
        model = Shipment
        fields = ["reference", "carrier", "tracking_number", "address", "notes"]
        field_classes = {"address": MultilineField, "notes": MultilineField}
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.status != Shipment.Status.PENDING:
            for name in ("reference", "address"):
                self.fields[name].disabled = True

    def validate_unique(self):
        """Uniqueness and state rules are the service's."""
