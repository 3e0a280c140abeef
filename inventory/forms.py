from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from core.forms import CrispyFormMixin, MultilineField
from core.numbers import ZERO
from core.pickers import PickerField
from inventory.models import Part, PriceBreak, StockItem, StockLocation, TaxRate


class PartForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Part
        fields = [
            "sku",
            "name",
            "description",
            "unit",
            "kind",
            "list_price",
            "default_tax_rate",
            "salable",
            "active",
            "notes",
        ]
        field_classes = {"description": MultilineField, "notes": MultilineField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Inactive rates are not offered, but a part keeps the one it has.
        self.fields["default_tax_rate"].queryset = TaxRate.objects.filter(
            Q(active=True) | Q(pk=self.instance.default_tax_rate_id)
        )

    def clean_sku(self) -> str:
        return self.cleaned_data["sku"].strip()

    def clean_list_price(self) -> Decimal:
        price = self.cleaned_data["list_price"]
        if price is not None and price < ZERO:
            raise ValidationError("A list price cannot be negative.")
        return price


class PriceBreakForm(forms.ModelForm):
    class Meta:
        model = PriceBreak
        fields = ["min_quantity", "unit_price"]

    def clean_min_quantity(self) -> Decimal:
        quantity = self.cleaned_data["min_quantity"]
        if quantity is not None and quantity <= ZERO:
            raise ValidationError("A minimum quantity must be above zero.")
        return quantity

    def clean_unit_price(self) -> Decimal:
        price = self.cleaned_data["unit_price"]
        if price is not None and price < ZERO:
            raise ValidationError("A unit price cannot be negative.")
        return price


class BasePriceBreakFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """Two breaks may not start at the same quantity: say so at the second one."""
        seen: set[Decimal] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            quantity = form.cleaned_data.get("min_quantity")
            if quantity is None:
                continue
            if quantity in seen:
                form.add_error(
                    "min_quantity",
                    "Another price break already starts at this quantity.",
                )
            seen.add(quantity)
        super().clean()

    def price_breaks(self) -> dict[Decimal, Decimal]:
        """The breaks to keep, as {minimum quantity: unit price}."""
        breaks = {}
        for form in self.forms:
            data = form.cleaned_data
            if not data or self._should_delete_form(form) or data.get("min_quantity") is None:
                continue
            breaks[data["min_quantity"]] = data["unit_price"]
        return breaks


# More than any price list needs. Also the most forms a posted TOTAL_FORMS builds: Django's
# default of 2,000 turned one tampered POST into seconds of rendering.
MAX_PRICE_BREAKS = 50

PriceBreakFormSet = forms.inlineformset_factory(
    Part,
    PriceBreak,
    form=PriceBreakForm,
    formset=BasePriceBreakFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_PRICE_BREAKS,
    absolute_max=MAX_PRICE_BREAKS,
    validate_max=True,
)


class ReceiveStockForm(CrispyFormMixin, forms.Form):
    part = PickerField(
        queryset=Part.objects.active().stocked(),
        placeholder="SKU or name",
        help_text="Service parts have no stock.",
    )
    location = forms.ModelChoiceField(queryset=StockLocation.objects.all())
    quantity = forms.DecimalField(max_digits=12, decimal_places=4)
    status = forms.ChoiceField(choices=StockItem.Status.choices, initial=StockItem.Status.OK)
    batch_code = forms.CharField(max_length=50, required=False)
    serial_number = forms.CharField(
        max_length=50, required=False, help_text="One item per serial number (quantity 1)."
    )
    expiry_date = forms.DateField(required=False)
    received_date = forms.DateField(
        initial=timezone.localdate,
    )
    reference = forms.CharField(
        max_length=200, required=False, help_text="e.g. the supplier's delivery note."
    )

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity <= ZERO:
            raise ValidationError("Enter a quantity above zero.")
        return quantity

    def clean(self):
        data = super().clean()
        part, quantity = data.get("part"), data.get("quantity")
        if part is not None and quantity is not None and part.quantity_refusal(quantity):
            self.add_error("quantity", part.quantity_refusal(quantity))
        return data


class AdjustQuantityForm(CrispyFormMixin, forms.Form):
    new_quantity = forms.DecimalField(
        label="New quantity", max_digits=12, decimal_places=4, min_value=0
    )
    reason = forms.CharField(
        max_length=500, help_text="Why it changes, e.g. stock count, breakage, found."
    )


class MoveStockForm(CrispyFormMixin, forms.Form):
    location = forms.ModelChoiceField(label="To location", queryset=StockLocation.objects.all())
    reason = forms.CharField(max_length=500, required=False)


class ChangeStatusForm(CrispyFormMixin, forms.Form):
    status = forms.ChoiceField(choices=StockItem.Status.choices)
    reason = forms.CharField(max_length=500, required=False)
