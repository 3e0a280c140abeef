"""Input shapes of the quote pages. Saving is the services' job (see views.py)."""

from crispy_forms.layout import Submit
from django import forms

from core.forms import CrispyFormMixin, MultilineField
from core.pickers import PickerField
from customers.models import Customer
from inventory.models import Part
from salesorders.forms import VersionFormMixin


class QuoteVersionFormMixin(VersionFormMixin):
    """Every edit form carries the quote's version (optimistic concurrency)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "This form is missing the quote's version; reload the page and try again.",
            "invalid": "This form has a damaged quote version; reload the page and try again.",
            "min_value": "This form has a damaged quote version; reload the page and try again.",
        },
    )


class QuoteCreateForm(CrispyFormMixin, forms.Form):
    submit_label = "Create Quote"

    customer = PickerField(
        queryset=Customer.objects.active(),
        search_params={"active": "1"},
        help_text="Only active customers: type a code or part of a name.",
    )
    customer_reference = forms.CharField(required=False, max_length=100)
    description = forms.CharField(required=False, max_length=250)
    quote_date = forms.DateField(required=False, help_text="Blank: today.")
    valid_until = forms.DateField(
        required=False, help_text="Blank: the quote date plus the validity days."
    )
    currency = forms.CharField(
        required=False, max_length=3, help_text="Blank: the customer's currency."
    )
    notes = MultilineField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class QuoteUpdateForm(CrispyFormMixin, QuoteVersionFormMixin, forms.Form):
    submit_label = "Save"

    customer_reference = forms.CharField(required=False, max_length=100)
    description = forms.CharField(required=False, max_length=250)
    quote_date = forms.DateField()
    valid_until = forms.DateField()
    ship_to = MultilineField(
        label="Ship-to address", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    bill_to = MultilineField(
        label="Bill-to address", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    notes = MultilineField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class QuoteLineAddForm(CrispyFormMixin, QuoteVersionFormMixin, forms.Form):
    submit_label = "Add Line Item"

    part = PickerField(
        queryset=Part.objects.salable(),
        search_params={"salable": "1"},
        placeholder="SKU or name",
        help_text="Type a SKU or part of a name.",
    )
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, min_value=0.0001)
    unit_price = forms.DecimalField(
        max_digits=14,
        decimal_places=4,
        min_value=0,
        required=False,
        help_text="Blank: the price an order would take for this quantity.",
    )
    discount_percent = forms.DecimalField(
        label="Discount %", max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0
    )
    notes = MultilineField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.add_input(
            Submit("add_another", "Save and add another", css_class="btn-outline-primary")
        )

    def clean(self):
        data = super().clean()
        part, quantity = data.get("part"), data.get("quantity")
        if part is not None and quantity is not None and part.quantity_refusal(quantity):
            self.add_error("quantity", part.quantity_refusal(quantity))
        return data


class QuoteLineUpdateForm(CrispyFormMixin, QuoteVersionFormMixin, forms.Form):
    submit_label = "Save line"

    quantity = forms.DecimalField(max_digits=12, decimal_places=4, min_value=0.0001)
    unit_price = forms.DecimalField(
        max_digits=14,
        decimal_places=4,
        min_value=0,
        required=False,
        help_text="Blank: back to the suggested price.",
    )
    discount_percent = forms.DecimalField(
        label="Discount %", max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    notes = MultilineField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuoteActionForm(QuoteVersionFormMixin, forms.Form):
    """What a POST-only quote action carries: the version it was shown at."""


def posted_version(request):
    """The version a POST-only quote action carries, or None when it is missing or damaged
    (the caller says so)."""
    form = QuoteActionForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["version"]
    return None
