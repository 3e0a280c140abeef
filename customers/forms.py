from django import forms
from django.core.exceptions import ValidationError

from core.forms import CrispyFormMixin, MultilineField
from customers.models import Address, Contact, Customer
from customers.services import ADDRESS_FIELDS, CONTACT_FIELDS, CUSTOMER_FIELDS


class CustomerForm(CrispyFormMixin, forms.ModelForm):
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Customer
        # What customer_create/customer_update accept, but `active`: Deactivate/Reactivate.
        fields = [name for name in CUSTOMER_FIELDS if name != "active"]
        field_classes = {"notes": MultilineField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["placeholder"] = "Left blank: next C-00000"
        self.fields["currency"].widget.attrs.update({"maxlength": 3, "class": "input-code"})
        for name in self.DEFAULTED:
            self.fields[name].required = False

    # Left out of a post (an older client), they keep their defaults.
    DEFAULTED = ("country", "tax_treatment", "payment_terms_kind")

    def clean(self):
        data = super().clean()
        for name in self.DEFAULTED:
            if not data.get(name) and name not in self.errors:
                data[name] = Customer._meta.get_field(name).get_default()
        return data

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_credit_limit(self):
        limit = self.cleaned_data["credit_limit"]
        if limit is not None and limit < 0:
            raise ValidationError("A credit limit cannot be negative.")
        return limit


class AddressForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Address
        fields = ADDRESS_FIELDS  # what address_create/address_update accept


class ContactForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
