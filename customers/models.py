import calendar
import datetime

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.currency import (
    EU_COUNTRIES,
    TaxTreatment,
    country_code_choices,
    validate_currency_code,
)
from core.links import url_by_pk
from core.pickers import suggestions


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def currency_choices() -> list[tuple[str, str]]:
    """ISO 4217 currencies for select boxes: ("EUR", "EUR - Euro")."""
    return sorted((c.alpha_3, f"{c.alpha_3} - {c.name}") for c in pycountry.currencies)


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 country names; an address stores the name, which the order copies as text."""
    return sorted((c.name, c.name) for c in pycountry.countries)


def default_country() -> str:
    return settings.COMPANY_COUNTRY


class PaymentTermsKind(models.TextChoices):
    """How the payment terms' days count (Customer.payment_terms_kind, copied to orders)."""

    NET = "net", "Net days"
    END_OF_MONTH = "end_of_month", "End of month + days"


def due_date(kind: str, days: int, start: datetime.date) -> datetime.date:
    """When a document dated `start` is due: `days` after it (net), or after the end of its
    month (end of month + days)."""
    if kind == PaymentTermsKind.END_OF_MONTH:
        start = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start + datetime.timedelta(days=days)


def payment_terms_text(kind: str, days: int) -> str:
    """ "Net 30 days", "End of month + 30 days"."""
    if kind == PaymentTermsKind.END_OF_MONTH:
        return f"End of month + {days} days"
    return f"Net {days} days"


class CustomerQuerySet(models.QuerySet):
    def active(self) -> "CustomerQuerySet":
        """Customers that may be chosen for a new order."""
        return self.filter(active=True)

    def matching(self, text: str) -> "CustomerQuerySet":
        """The customer whose code is `text`, else those whose name contains it (any case)."""
        code_taken = models.Exists(Customer.objects.filter(code__iexact=text))
        return self.filter(
            models.Q(code__iexact=text) | (models.Q(name__icontains=text) & ~code_taken)
        )

    def suggest(self, text: str) -> "CustomerQuerySet":
        """Customers whose code or name contains `text`, the one whose code it is first
        (the customer picker's suggestions; see core.pickers)."""
        return suggestions(self, text, code="code")


class Customer(models.Model):
    code = models.CharField(
        max_length=20, unique=True, blank=True, help_text="Left blank, the next C-00000 code."
    )
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    website = models.URLField(blank=True)
    currency = models.CharField(
        max_length=3,
        default=default_currency,
        validators=[validate_currency_code],
        help_text="ISO 4217 code.",
    )
    payment_terms_days = models.PositiveSmallIntegerField("payment terms (days)", default=30)
    payment_terms_kind = models.CharField(
        "payment terms",
        max_length=12,
        choices=PaymentTermsKind.choices,
        default=PaymentTermsKind.NET,
        help_text="Net: due the days after the order date; end of month: after its month ends.",
    )
    credit_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="In the base currency. Blank: no limit.",
    )
    # Posted, unpaid invoices in the base currency: kept by invoicing's services (through
    # customer_receivable_adjust) in the transaction that posts, voids or pays an invoice; the
    # credit check reads it without summing invoices.
    receivable_base = models.DecimalField(
        "open receivable (base currency)",
        max_digits=14,
        decimal_places=2,
        default=0,
        editable=False,
    )
    tax_number = models.CharField("VAT number", max_length=50, blank=True)
    country = models.CharField(
        max_length=2,
        choices=country_code_choices,
        default=default_country,
        help_text="Where the customer is established: decides the tax with its tax treatment.",
    )
    tax_treatment = models.CharField(
        max_length=20,
        choices=TaxTreatment.choices,
        default=TaxTreatment.DOMESTIC,
        help_text="Reverse charge needs a VAT number and another EU country; export a "
        "country outside ours.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name

    def get_absolute_url(self) -> str:
        return url_by_pk("customers:customer-detail", self.pk)

    def default_address_texts(self) -> tuple[str, str]:
        """(ship-to, bill-to) as a document copies them: the default shipping and billing
        addresses as text (bill-to falls back to ship-to), "" where there is none. One query."""
        ship_to = bill_to = ""
        for address in self.addresses.filter(
            Q(is_default_shipping=True) | Q(is_default_billing=True)
        ):
            if address.is_default_shipping:
                ship_to = address.as_text(self.name)
            if address.is_default_billing:
                bill_to = address.as_text(self.name)
        return ship_to, bill_to or ship_to

    def clean(self) -> None:
        """A tax treatment must fit the customer's country and VAT number."""
        super().clean()
        ours = settings.COMPANY_COUNTRY
        if self.tax_treatment == TaxTreatment.REVERSE_CHARGE:
            if not (self.tax_number or "").strip():
                raise ValidationError(
                    {"tax_number": "The reverse charge needs the customer's VAT number."}
                )
            if self.country == ours or self.country not in EU_COUNTRIES:
                raise ValidationError(
                    {
                        "tax_treatment": "The reverse charge is for business customers in "
                        f"another EU country; {self.get_country_display()} is not one."
                    }
                )
        if self.tax_treatment == TaxTreatment.EXPORT and (
            self.country == ours or (ours in EU_COUNTRIES and self.country in EU_COUNTRIES)
        ):
            area = "the EU" if ours in EU_COUNTRIES else ours
            raise ValidationError(
                {
                    "tax_treatment": f"Export is for customers outside {area}; "
                    f"{self.get_country_display()} is not."
                }
            )

    def payment_terms_text(self) -> str:
        return payment_terms_text(self.payment_terms_kind, self.payment_terms_days)


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=100, blank=True, help_text="e.g. Head office, Warehouse")
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, choices=country_choices)
    is_default_shipping = models.BooleanField("default shipping address", default=False)
    is_default_billing = models.BooleanField("default billing address", default=False)

    class Meta:
        ordering = ["customer", "pk"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default_shipping=True),
                name="one_default_shipping_address_per_customer",
                violation_error_message="This customer already has a default shipping address.",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default_billing=True),
                name="one_default_billing_address_per_customer",
                violation_error_message="This customer already has a default billing address.",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in [self.label, self.line1, self.city] if part)

    def as_text(self, name: str = "") -> str:
        """The address as the lines printed on a label; the order copies this text."""
        lines = [name, self.line1, self.line2, " ".join(p for p in [self.postcode, self.city] if p)]
        lines += [self.region, self.country]
        return "\n".join(line for line in lines if line)


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["customer", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name
