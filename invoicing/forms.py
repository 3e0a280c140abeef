"""Input shapes of the invoicing pages. Forms check the shape; the services apply the rules
(what may be invoiced, open amounts, closed periods) and say why they refuse."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone

from core.forms import CrispyFormMixin, MultilineField
from inventory.models import TaxRate
from invoicing.models import Invoice, Payment

# The services name a refused quantity's field `quantity_<order line pk>`: the form's names.
QUANTITY_PREFIX = "quantity_"


def quantity_field(label: str) -> forms.CharField:
    # Text, not a DecimalField: what is not a quantity (a letter, a negative, too many
    # decimals for the unit) reaches the service, which says why, naming the line.
    return forms.CharField(
        label=label,
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
    )


def is_zero(value: str) -> bool:
    try:
        return Decimal(value) == 0
    except (InvalidOperation, ValueError):
        return False


class InvoiceCreateForm(forms.Form):
    """One quantity per invoiceable order line (`rows`: (line, invoiceable quantity)),
    pre-filled with what may be invoiced. Blank or 0 leaves the line out. A posted
    quantity for a line not shown (another order's, a crafted POST) is kept in `quantities`,
    so the service refuses it with its sentence instead of it being dropped silently."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for line, _ in rows:
            self.fields[f"{QUANTITY_PREFIX}{line.pk}"] = quantity_field(
                f"Quantity of {line.part_sku or line.part_name}"
            )
        for key in self.data:
            if key.startswith(QUANTITY_PREFIX) and key not in self.fields:
                self.fields[key] = quantity_field(f"Quantity of line {key[len(QUANTITY_PREFIX) :]}")

    def row_fields(self):
        """(line, invoiceable quantity, bound field) per row, for the template."""
        return [(line, qty, self[f"{QUANTITY_PREFIX}{line.pk}"]) for line, qty in self.rows]

    def top_errors(self) -> list[str]:
        """The errors the rows do not show: the form's own and those of posted lines that
        are not rows of this order."""
        shown = {f"{QUANTITY_PREFIX}{line.pk}" for line, _ in self.rows}
        errors = list(self.non_field_errors())
        for name, messages in self.errors.items():
            if name != "__all__" and name not in shown:
                errors.extend(messages)
        return errors

    def clean(self):
        data = super().clean()
        quantities = {}
        for name, value in data.items():
            pk = name[len(QUANTITY_PREFIX) :]
            if not name.startswith(QUANTITY_PREFIX):
                continue
            if not (pk.isascii() and pk.isdecimal()):
                raise forms.ValidationError(f"There is no order line {pk!r} to invoice.")
            if value and not is_zero(value):
                quantities[int(pk)] = value
        if not quantities and not self.errors:
            raise forms.ValidationError("Enter a quantity on at least one line to invoice.")
        data["quantities"] = quantities
        return data


class VersionField(forms.IntegerField):
    """The version of the invoice the form was made from (a stale one is refused)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, **kwargs)


class InvoiceUpdateForm(CrispyFormMixin, forms.Form):
    submit_label = "Save"

    version = VersionField()
    invoice_date = forms.DateField()
    notes = MultilineField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class InvoiceLineUpdateForm(forms.Form):
    quantity = forms.DecimalField(max_digits=12, decimal_places=4)
    unit_price = forms.DecimalField(max_digits=14, decimal_places=4, min_value=Decimal("0"))
    discount_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100")
    )


class InvoiceLineAddForm(CrispyFormMixin, forms.Form):
    submit_label = "Add Line"

    description = forms.CharField(max_length=200)
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, initial=1)
    unit_price = forms.DecimalField(max_digits=14, decimal_places=4)
    tax_rate = forms.ModelChoiceField(queryset=None, required=False, empty_label="No tax")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"].queryset = TaxRate.objects.filter(active=True)


class PaymentForm(CrispyFormMixin, forms.Form):
    submit_label = "Record Payment"

    version = VersionField()
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    payment_date = forms.DateField(initial=timezone.localdate)
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.BANK_TRANSFER)
    reference = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = invoice.balance
        self.fields["version"].initial = invoice.version
        self.fields["amount"].help_text = f"In {invoice.currency}; open: {invoice.balance}."


class ReasonForm(forms.Form):
    """The reason a confirmation step asks (Void Invoice, Reverse Payment)."""

    reason = forms.CharField(max_length=250, required=False, strip=True)
