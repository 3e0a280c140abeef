"""Reads of accounting: the exchange rate for a date, the tax a line is charged, the accounts
and dimensions a line may name."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q

from accounting.exceptions import MissingRateError
from accounting.models import (
    Account,
    Dimension,
    DimensionValue,
    ExchangeRate,
    RateSource,
    TaxRule,
    base_currency,
)
from core.currency import EXEMPT_NOTE, EXPORT_NOTE, REVERSE_CHARGE_NOTE, TaxTreatment

ZERO = Decimal("0")


@dataclass(frozen=True)
class RateQuote:
    """One unit of `currency` is worth `rate` base units, by the rate of `date` from `source`."""

    currency: str
    rate: Decimal
    date: datetime.date
    source: str


def exchange_rate_for(*, currency: str, on: datetime.date) -> RateQuote:
    """The rate of `currency` to the base currency for a document dated `on`: the latest
    stored rate on or before that date, at most EXCHANGE_RATE_MAX_AGE_DAYS older (ECB
    publishes on business days, so a weekend or holiday takes the last one before). The base
    currency is 1. One query.

    Raises MissingRateError naming the currency and date when there is none."""
    currency = (currency or "").upper()
    if currency == base_currency():
        return RateQuote(currency=currency, rate=Decimal("1"), date=on, source=RateSource.BASE)
    oldest = on - datetime.timedelta(days=settings.EXCHANGE_RATE_MAX_AGE_DAYS)
    row = ExchangeRate.objects.on_or_before(currency, on).filter(date__gte=oldest).first()
    if row is None:
        raise MissingRateError(
            {
                "currency": (
                    f"There is no exchange rate from {currency} to {base_currency()} for "
                    f"{on:%Y-%m-%d} (nor in the {settings.EXCHANGE_RATE_MAX_AGE_DAYS} days "
                    "before). Enter one under Exchange rates, or load the ECB rates "
                    "(manage.py load_exchange_rates)."
                )
            }
        )
    return RateQuote(currency=currency, rate=row.rate, date=row.date, source=row.source)


@dataclass(frozen=True)
class TaxCharge:
    """The tax a line is charged: the rate (None: no TaxRate row), its name and percent, the
    rule that chose it (None: the default) and the note documents print."""

    tax_rate: object | None
    name: str
    percent: Decimal
    rule: TaxRule | None = None
    note: str = ""


# Without a rule: what each treatment charges instead of the part's default rate.
TREATMENT_DEFAULTS = {
    TaxTreatment.REVERSE_CHARGE: ("Reverse charge 0%", REVERSE_CHARGE_NOTE),
    TaxTreatment.EXPORT: ("Export 0%", EXPORT_NOTE),
    TaxTreatment.EXEMPT: ("Exempt 0%", EXEMPT_NOTE),
}


def tax_charge_for(*, tax_rate, treatment: str, country: str) -> TaxCharge:
    """What a line whose part is taxed at `tax_rate` (a TaxRate or None) is charged for a
    customer with `treatment` in `country`: the most specific active TaxRule (country
    first, then treatment, then the part's rate), else for a domestic customer the part's
    rate and for reverse charge, export and exempt 0% with its note. An untaxed part stays
    untaxed. One query."""
    if tax_rate is None:  # an untaxed part stays untaxed, whoever buys it
        return TaxCharge(None, "", ZERO)
    rules = list(
        TaxRule.objects.select_related("charged_rate").filter(
            Q(tax_rate__isnull=True) | Q(tax_rate=tax_rate),
            Q(treatment="") | Q(treatment=treatment),
            Q(country="") | Q(country=country),
            active=True,
        )
    )
    if rules:
        rule = max(rules, key=lambda r: r.specificity)
        charged = rule.charged_rate
        return TaxCharge(charged, charged.name, charged.percent, rule=rule, note=rule.note)
    if treatment in TREATMENT_DEFAULTS:
        name, note = TREATMENT_DEFAULTS[TaxTreatment(treatment)]
        return TaxCharge(None, name, ZERO, note=note)
    return TaxCharge(tax_rate, tax_rate.name, tax_rate.percent)


def revenue_accounts():
    """The active revenue accounts a line may book to, by code."""
    return Account.objects.filter(type=Account.Type.REVENUE, active=True).order_by("code")


def dimensions_with_values() -> list:
    """Every dimension that has active values, each with `active_values` (a list), in two
    queries: what a line form offers."""
    active = DimensionValue.objects.filter(active=True).order_by("code")
    dimensions = Dimension.objects.prefetch_related(
        Prefetch("values", queryset=active, to_attr="active_values")
    )
    return [dimension for dimension in dimensions if dimension.active_values]
