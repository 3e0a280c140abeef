"""Input shapes of the sales-order pages. Saving is the services' job (see views.py)."""

from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q

from core.forms import CrispyFormMixin, MultilineField
from core.numbers import format_quantity
from core.pickers import PickerField
from customers.models import Contact, Customer, PaymentTermsKind
from inventory.models import Part, TaxRate
from salesorders.models import SalesOrder, SalesOrderSettings

TAX_DEFAULT = ""
TAX_NONE = "none"


# The roles (config/roles.py) whose members sell: the salesperson choices.
SELLER_GROUPS = ("Sales", "Managers")


def _users(keep_id=None):
    """Active users who can sell (Sales, Managers, and superusers, who hold every role), ordered
    by name; `keep_id` (an order's current salesperson) stays a choice so editing the order does
    not drop it."""
    sellers = Q(is_active=True) & (Q(groups__name__in=SELLER_GROUPS) | Q(is_superuser=True))
    if keep_id:
        sellers |= Q(pk=keep_id)
    return (
        get_user_model()
        .objects.filter(sellers)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class SalespersonField(forms.ModelChoiceField):
    """A user shown by full name, the login name when there is none."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class VersionFormMixin(forms.Form):
    """Every edit form carries the order's version (optimistic concurrency)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "This form is missing the order's version; reload the page and try again.",
            "invalid": "This form has a damaged order version; reload the page and try again.",
            "min_value": "This form has a damaged order version; reload the page and try again.",
        },
    )

    def clean(self):
        # A hidden field's error would show nowhere: say it at the top of the form.
        if "version" in self._errors:
            self.add_error(None, self._errors.pop("version"))
        return super().clean()


class SalesOrderCreateForm(CrispyFormMixin, forms.Form):
    submit_label = "Create Sales Order"

    customer = PickerField(
        queryset=Customer.objects.active(),
        search_params={"active": "1"},
        help_text="Only active customers: type a code or part of a name.",
    )
    reference = forms.CharField(
        required=False, max_length=50, help_text="Leave blank for the next number."
    )
    customer_reference = forms.CharField(label="Customer PO number", required=False, max_length=100)
    description = forms.CharField(required=False, max_length=250)
    order_date = forms.DateField(required=False, help_text="Blank: today.")
    target_date = forms.DateField(label="Target (ship-by) date", required=False)
    requested_delivery_date = forms.DateField(required=False)
    currency = forms.CharField(
        required=False, max_length=3, help_text="Blank: the customer's currency."
    )
    prices_include_tax = forms.BooleanField(
        required=False, help_text="Unit prices are entered with tax; the tax is computed back."
    )
    salesperson = SalespersonField(queryset=_users(), required=False)
    priority = forms.IntegerField(initial=0, min_value=-32768, max_value=32767)
    notes = MultilineField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = _users()

    def clean(self):
        data = super().clean()
        order_date, target_date = data.get("order_date"), data.get("target_date")
        if order_date and target_date and target_date < order_date:
            self.add_error("target_date", "The target date cannot be before the order date.")
        return data


class SalesOrderUpdateForm(CrispyFormMixin, VersionFormMixin, forms.Form):
    submit_label = "Save"

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.active().order_by("name"),
        help_text="Only while the order is Pending.",
    )
    customer_reference = forms.CharField(label="Customer PO number", required=False, max_length=100)
    description = forms.CharField(required=False, max_length=250)
    order_date = forms.DateField()
    target_date = forms.DateField(label="Target (ship-by) date", required=False)
    requested_delivery_date = forms.DateField(required=False)
    currency = forms.CharField(max_length=3, help_text="Only while the order is Pending.")
    ship_to = MultilineField(
        label="Ship-to address", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    bill_to = MultilineField(
        label="Bill-to address", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    salesperson = SalespersonField(queryset=_users(), required=False)
    priority = forms.IntegerField(min_value=-32768, max_value=32767)
    payment_terms_kind = forms.ChoiceField(
        label="Payment terms", choices=PaymentTermsKind.choices, required=False
    )
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days)", min_value=0, max_value=365, required=False
    )
    prices_include_tax = forms.BooleanField(
        required=False, help_text="Only while the order is Pending and has no lines."
    )
    discount_percent = forms.DecimalField(
        label="Order discount %",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        help_text="Of the lines, spread over them for tax. Or give an amount:",
    )
    discount_amount = forms.DecimalField(
        label="Order discount amount", max_digits=14, decimal_places=2, min_value=0, required=False
    )
    notes = MultilineField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, order: SalesOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=order.customer_id)
        self.fields["salesperson"].queryset = _users(order.salesperson_id)
        if not order.is_pending() or order.line_count:
            self.fields["prices_include_tax"].disabled = True
        if order.status != SalesOrder.Status.PENDING:
            for name in ("customer", "currency"):
                self.fields[name].disabled = True
        else:
            # An inactive current customer stays selectable so the form can be saved.
            self.fields["customer"].queryset = Customer.objects.filter(
                Q(active=True) | Q(pk=order.customer_id)
            ).order_by("name")


class LineBookingMixin:
    """The revenue account and dimension values of a line: a choice of the active revenue
    accounts (`accounts`) and one choice per dimension (`dimensions`, each with its
    `active_values`: accounting.selectors.dimensions_with_values), fields `revenue_account`
    and `dimension_<pk>`. Built from lists read once per page, so no field queries."""

    account_blank = "None"

    def add_booking_fields(self, accounts, dimensions) -> None:
        self._accounts = {str(account.pk): account for account in accounts}
        self.fields["revenue_account"] = forms.ChoiceField(
            label="Revenue account",
            required=False,
            choices=[("", self.account_blank)]
            + [(pk, str(account)) for pk, account in self._accounts.items()],
        )
        self._values = {}
        self.dimension_names = []
        for dimension in dimensions:
            name = f"dimension_{dimension.pk}"
            self.dimension_names.append(name)
            self._values.update({str(value.pk): value for value in dimension.active_values})
            self.fields[name] = forms.ChoiceField(
                label=dimension.name,
                required=False,
                choices=[("", "—")] + [(str(v.pk), v.name) for v in dimension.active_values],
            )

    @property
    def booking_fields(self) -> list:
        return [self["revenue_account"], *(self[name] for name in self.dimension_names)]

    def chosen_account(self):
        """The chosen Account, or None (blank)."""
        return self._accounts.get(self.cleaned_data.get("revenue_account") or "")

    def chosen_dimension_values(self) -> list:
        return [
            self._values[self.cleaned_data[name]]
            for name in self.dimension_names
            if self.cleaned_data.get(name)
        ]


def booking_initial(line) -> dict:
    """The line's account and dimension values as the booking fields' initial values (reads
    line.dimensions.all(): prefetch it on a page of lines)."""
    initial = {"revenue_account": str(line.revenue_account_id or "")}
    for row in line.dimensions.all():
        initial[f"dimension_{row.dimension_id}"] = str(row.value_id)
    return initial


class LineAddForm(CrispyFormMixin, LineBookingMixin, VersionFormMixin, forms.Form):
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
        help_text="Blank: the part's price for this quantity (price breaks).",
    )
    discount_percent = forms.DecimalField(
        label="Discount %",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=0,
        required=False,  # blank (the order page's line entry row has no box for it): none
    )
    tax_rate = forms.ChoiceField(required=False, help_text="Blank: the part's default tax rate.")
    target_date = forms.DateField(required=False)
    notes = MultilineField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    account_blank = "Part's default"

    def __init__(self, *args, tax_rates=None, accounts=(), dimensions=(), **kwargs):
        super().__init__(*args, **kwargs)
        rates = tax_rates if tax_rates is not None else list(TaxRate.objects.filter(active=True))
        self.fields["tax_rate"].choices = tax_choices(rates, blank="Part's default")
        self.add_booking_fields(accounts, dimensions)
        # Second button: the line is added and the same page comes back empty for the next one.
        self.helper.add_input(
            Submit("add_another", "Save and add another", css_class="btn-outline-primary")
        )

    def clean(self):
        """A quantity beyond the part's unit (2.5 pcs) is refused at the field, as the service
        would."""
        data = super().clean()
        part, quantity = data.get("part"), data.get("quantity")
        if part is not None and quantity is not None and part.quantity_refusal(quantity):
            self.add_error("quantity", part.quantity_refusal(quantity))
        return data


class LinePreviewForm(forms.Form):
    """What the order page's line entry row asks a price for: the part (as the entry row's
    picker posts it) and the quantity typed so far."""

    part = PickerField(queryset=Part.objects.salable().with_stock(), placeholder="SKU or name")
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, min_value=0.0001, required=False)


def tax_choices(rates, *, blank: str):
    return [(TAX_DEFAULT, blank), (TAX_NONE, "No tax")] + [
        (str(rate.pk), f"{rate.name} ({format_quantity(rate.percent)}%)") for rate in rates
    ]


def chosen_tax_rate(value: str, rates):
    """Map the tax choice to a service argument: None (no tax), a TaxRate, or "default"."""
    if value in (None, TAX_DEFAULT):
        return "default"
    if value == TAX_NONE:
        return None
    return next(rate for rate in rates if str(rate.pk) == value)


class LineUpdateForm(CrispyFormMixin, LineBookingMixin, VersionFormMixin, forms.Form):
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
    tax_rate = forms.ChoiceField(required=False, help_text="Blank: keep the current tax.")
    target_date = forms.DateField(required=False)
    notes = MultilineField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tax_rates=None, line=None, accounts=(), dimensions=(), **kwargs):
        super().__init__(*args, **kwargs)
        rates = tax_rates if tax_rates is not None else list(TaxRate.objects.filter(active=True))
        self.fields["tax_rate"].choices = tax_choices(rates, blank="Keep current")
        if line is not None and line.revenue_account_id:
            accounts = list(accounts)
            if all(account.pk != line.revenue_account_id for account in accounts):
                accounts.append(line.revenue_account)  # inactive now: still shown as chosen
        self.add_booking_fields(accounts, dimensions)
        self.line = line
        if line is not None:
            # A browser counts the steps from min: both are the unit's step (1 for pcs).
            step = str(line.quantity_step)
            self.fields["quantity"].widget.attrs.update(min=step, step=step)
            self.fields["quantity"].help_text = f"In {line.unit}."

    def clean_quantity(self):
        """A quantity beyond the line's unit (2.5 pcs) is refused here, as the service would."""
        quantity = self.cleaned_data["quantity"]
        refusal = self.line.quantity_refusal(quantity) if self.line is not None else None
        if refusal:
            raise forms.ValidationError(refusal)
        return quantity


class ExtraLineForm(CrispyFormMixin, LineBookingMixin, VersionFormMixin, forms.Form):
    submit_label = "Save extra line"

    description = forms.CharField(max_length=200, help_text="e.g. Shipping, Handling, Rebate")
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, min_value=0.0001, initial=1)
    unit_price = forms.DecimalField(
        max_digits=14, decimal_places=4, help_text="Negative for a rebate."
    )
    tax_rate = forms.ChoiceField(
        required=False, help_text="Blank: the standard rate, as the customer's tax rules say."
    )

    def __init__(self, *args, tax_rates=None, accounts=(), extra=None, **kwargs):
        super().__init__(*args, **kwargs)
        rates = tax_rates if tax_rates is not None else list(TaxRate.objects.filter(active=True))
        self.fields["tax_rate"].choices = tax_choices(rates, blank="Standard rate")
        if extra is None:
            self.account_blank = "Default account"
        elif extra.revenue_account_id and all(a.pk != extra.revenue_account_id for a in accounts):
            accounts = [*accounts, extra.revenue_account]  # inactive now: still shown
        self.add_booking_fields(accounts, ())


class RateForm(VersionFormMixin, forms.Form):
    currency_rate = forms.DecimalField(
        label="Exchange rate",
        max_digits=22,
        decimal_places=12,
        help_text="What one unit of the order's currency is worth in the base currency.",
    )


class ReasonForm(VersionFormMixin, forms.Form):
    reason = forms.CharField(max_length=250, required=False)


class SalesOrderSettingsForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save settings"

    class Meta:
        model = SalesOrderSettings
        fields = ["reference_pattern", "default_revenue_account"]


class CreditPolicyForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save credit policy"

    class Meta:
        model = SalesOrderSettings
        fields = ["credit_policy"]


def posted_action(request) -> "ReasonForm | None":
    """The version (and reason) a POST-only order action carries, or None after saying what is
    wrong: an action without the version it was shown at could undo someone else's change."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        return form
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return None
