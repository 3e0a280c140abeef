"""Exchange rates to the company's base currency, and tax rules by destination."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.currency import (
    MAX_RATE,
    RATE,
    TaxTreatment,
    country_code_choices,
    country_name,
    validate_currency_code,
)
from core.models import user_stamp


def base_currency() -> str:
    """The company's base (accounting) currency: settings.BASE_CURRENCY."""
    return settings.BASE_CURRENCY


class RateSource(models.TextChoices):
    """Where an exchange rate came from (ExchangeRate.source, SalesOrder.currency_rate_source)."""

    ECB = "ecb", "ECB reference rate"
    MANUAL = "manual", "Entered by hand"
    API = "api", "Through the API"
    BASE = "base", "Base currency"  # an order in the base currency: rate 1, no table row


class ExchangeRateQuerySet(models.QuerySet):
    def on_or_before(self, currency: str, date) -> "ExchangeRateQuerySet":
        """The currency's rates dated `date` or earlier, latest first (served by the unique
        index on currency and date)."""
        return self.filter(currency=currency, date__lte=date).order_by("-date")


class ExchangeRate(models.Model):
    """One unit of `currency` is worth `rate` units of the base currency on `date`."""

    date = models.DateField()
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    rate = models.DecimalField(
        **RATE, help_text="What one unit of the currency is worth in the base currency."
    )
    source = models.CharField(
        max_length=10,
        choices=[(s.value, s.label) for s in RateSource if s != RateSource.BASE],
        default=RateSource.MANUAL,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"],
                name="one_exchange_rate_per_currency_and_date",
                violation_error_message="There is already a rate for this currency on this date.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0) & Q(rate__lte=MAX_RATE),
                name="exchangerate_rate_positive_and_sane",
                violation_error_message=(
                    "An exchange rate must be above 0 and at most 1,000,000 base units."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date:%Y-%m-%d}: {self.rate.normalize():f}"


class TaxRule(models.Model):
    """Charge `charged_rate` instead of a part's default tax rate for a tax treatment and
    country. Empty fields match anything; the most specific matching rule wins (country,
    then treatment, then the part's rate), and two rules for the same case are refused."""

    name = models.CharField(max_length=100)
    tax_rate = models.ForeignKey(
        "inventory.TaxRate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="part's tax rate",
        help_text="Blank: any.",
    )
    treatment = models.CharField(
        max_length=20, choices=TaxTreatment.choices, blank=True, help_text="Blank: any."
    )
    country = models.CharField(
        max_length=2, choices=country_code_choices, blank=True, help_text="Blank: any."
    )
    charged_rate = models.ForeignKey(
        "inventory.TaxRate", on_delete=models.PROTECT, related_name="+", verbose_name="rate charged"
    )
    note = models.TextField(blank=True, help_text="Printed on documents, e.g. the legal note.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_rate", "treatment", "country"],
                condition=Q(active=True, tax_rate__isnull=False),
                name="one_taxrule_per_rate_treatment_country",
                violation_error_message=(
                    "Another active rule already covers this tax rate, treatment and country: "
                    "two rules would charge two rates. Change or deactivate that rule."
                ),
            ),
            models.UniqueConstraint(
                fields=["treatment", "country"],
                condition=Q(active=True, tax_rate__isnull=True),
                name="one_taxrule_per_treatment_country_any_rate",
                violation_error_message=(
                    "Another active rule for any tax rate already covers this treatment and "
                    "country: two rules would charge two rates. Change or deactivate that rule."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def describe(self) -> str:
        treatment = TaxTreatment(self.treatment).label if self.treatment else "any treatment"
        country = country_name(self.country) if self.country else "any country"
        return f"{self.tax_rate or 'any rate'}, {treatment}, {country} -> {self.charged_rate}"

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        return (bool(self.country), bool(self.treatment), self.tax_rate_id is not None)


class PeriodStatus(models.TextChoices):
    """Open -> Closed (Accounts may reopen it, with a reason) -> Locked (for good)."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    LOCKED = "locked", "Locked"


class AccountingPeriodQuerySet(models.QuerySet):
    def covering(self, day) -> "AccountingPeriodQuerySet":
        """The periods whose dates include `day` (at most one: periods never overlap)."""
        return self.filter(start__lte=day, end__gte=day)

    def overlapping(self, start, end) -> "AccountingPeriodQuerySet":
        """The periods that share at least one day with `start`..`end` (both included)."""
        return self.filter(start__lte=end, end__gte=start)

    def shut(self) -> "AccountingPeriodQuerySet":
        """Closed or locked periods: no document may be dated in them."""
        return self.exclude(status=PeriodStatus.OPEN)


class AccountingPeriod(models.Model):
    """A span of dates the books are kept in. Documents (orders, invoices, payments) may not be
    dated in a closed or locked period; days outside every period are open."""

    Status = PeriodStatus

    name = models.CharField(max_length=50, unique=True)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Bumped by every status change (accounting.services.period_transition): the API's ETag.
    version = models.PositiveIntegerField(default=1, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = user_stamp()

    objects = AccountingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["start", "end"], name="accountingperiod_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="accountingperiod_end_not_before_start",
                violation_error_message="A period cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounting:period-list")

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    def transition_refusal(self, action: str) -> str | None:
        """Why `action` (a key of PERIOD_TRANSITIONS) is not allowed now; None when it is."""
        transition = PERIOD_TRANSITIONS.get(action)
        if transition is None:
            return f"There is no action {action!r} for an accounting period."
        if self.status == transition.target:
            return f"{self.name} is already {self.get_status_display().lower()}."
        if self.status not in transition.sources:
            allowed = " or ".join(sorted(str(PeriodStatus(s).label) for s in transition.sources))
            return (
                f"{self.name} is {self.get_status_display().lower()}, so it cannot be "
                f"{transition.verb}; only {allowed.lower()} periods can."
            )
        return None

    def allows(self, action: str) -> bool:
        return self.transition_refusal(action) is None

    def allowed_transitions(self) -> list["PeriodTransition"]:
        """The moves open to the period now, in the order their buttons show."""
        return [t for t in PERIOD_TRANSITIONS.values() if self.allows(t.action)]


@dataclass(frozen=True)
class PeriodTransition:
    """One move of a period's lifecycle: read by the services, the pages and the admin."""

    action: str
    sources: frozenset
    target: str
    verb: str  # "March 2026 closed."
    label: str  # the button
    event: str  # the AccountingPeriodEvent.Kind it records
    reason_required: bool = False
    reason_label: str = ""
    confirm_text: str = ""  # what the confirmation step says happens
    button_style: str = "primary"


PERIOD_TRANSITIONS: dict[str, PeriodTransition] = {
    t.action: t
    for t in (
        PeriodTransition(
            action="close",
            sources=frozenset({PeriodStatus.OPEN}),
            target=PeriodStatus.CLOSED,
            verb="closed",
            label="Close Period",
            event="closed",
            reason_label="Note (optional)",
            confirm_text=(
                "No order, invoice or payment can then be dated in it, until Accounts reopens it."
            ),
        ),
        PeriodTransition(
            action="reopen",
            sources=frozenset({PeriodStatus.CLOSED}),
            target=PeriodStatus.OPEN,
            verb="reopened",
            label="Reopen Period",
            event="reopened",
            reason_required=True,
            reason_label="Reason for reopening",
            confirm_text="Documents can then be dated in it again; the reason is recorded.",
            button_style="outline-secondary",
        ),
        PeriodTransition(
            action="lock",
            sources=frozenset({PeriodStatus.CLOSED}),
            target=PeriodStatus.LOCKED,
            verb="locked",
            label="Lock Period",
            event="locked",
            reason_label="Note (optional)",
            confirm_text="A locked period can never be reopened: this cannot be undone.",
            button_style="outline-danger",
        ),
    )
}


class AccountingPeriodEvent(models.Model):
    """The history of a period: created, closed, reopened (with the reason), locked."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        LOCKED = "locked", "Locked"

    period = models.ForeignKey(AccountingPeriod, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=250, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period_id}: {self.get_kind_display()}"


class AccountType(models.TextChoices):
    REVENUE = "revenue", "Revenue"
    RECEIVABLE = "receivable", "Receivable"
    LIABILITY = "liability", "Liability"
    EXPENSE = "expense", "Expense"
    ASSET = "asset", "Asset"


class Account(models.Model):
    """A ledger account of the chart of accounts (Codat `accountRef`): invoice lines name the
    revenue account their amount is booked to."""

    Type = AccountType

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=12, choices=Type.choices, default=Type.REVENUE)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Dimension(models.Model):
    """A classification of amounts besides the account (Codat tracking categories), e.g.
    Department or Region."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DimensionValue(models.Model):
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="values")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["dimension__name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "code"],
                name="one_dimensionvalue_code_per_dimension",
                violation_error_message="This dimension already has a value with this code.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension.name}: {self.name}"


class AccountingProvider(models.TextChoices):
    """The accounting systems invoices are pushed to (settings.ACCOUNTING_PROVIDER)."""

    XERO = "xero", "Xero"
    QUICKBOOKS = "quickbooks", "QuickBooks Online"


class ProviderToken(models.Model):
    """The OAuth2 tokens of the connected provider: one row per provider, written by
    accounting.providers (a refresh stores both new tokens, under this row's lock, so two
    workers that both got a 401 refresh once). Seeded from ACCOUNTING_REFRESH_TOKEN or the
    admin."""

    provider = models.CharField(max_length=20, choices=AccountingProvider.choices, unique=True)
    access_token = models.TextField(blank=True)
    refresh_token = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "provider token"

    def __str__(self) -> str:
        return f"{self.get_provider_display()} token"


class ProviderRateWindow(models.Model):
    """Calls made to a provider in one minute (`window_start`), counted by one atomic UPDATE
    per call across every worker: the provider's per-minute limit holds for all of them."""

    provider = models.CharField(max_length=20, choices=AccountingProvider.choices)
    window_start = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "window_start"], name="one_rate_window_per_minute"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.window_start:%H:%M}: {self.calls}"
