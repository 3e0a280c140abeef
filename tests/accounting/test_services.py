"""Exchange rates and tax rules: what is stored, what is refused, what a date gets."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounting import selectors, services
from accounting.exceptions import AccountingError, MissingRateError, TaxRuleConflictError
from accounting.models import ExchangeRate, RateSource, TaxRule
from core.currency import REVERSE_CHARGE_NOTE, TaxTreatment
from tests.factories import ExchangeRateFactory, TaxRateFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def test_the_rate_of_a_date_is_the_latest_on_or_before_it_within_the_window():
    ExchangeRateFactory(currency="GBP", date=DAY - datetime.timedelta(days=3), rate="1.15")
    ExchangeRateFactory(currency="GBP", date=DAY - datetime.timedelta(days=5), rate="1.10")
    quote = selectors.exchange_rate_for(currency="GBP", on=DAY)
    assert quote.rate == Decimal("1.15") and quote.date == DAY - datetime.timedelta(days=3)
    assert selectors.exchange_rate_for(currency="EUR", on=DAY).rate == Decimal("1")


def test_a_missing_rate_is_refused_naming_the_currency_and_the_date():
    ExchangeRateFactory(currency="GBP", date=DAY - datetime.timedelta(days=8))
    with pytest.raises(MissingRateError, match="no exchange rate from GBP to EUR for 2026-03-10"):
        selectors.exchange_rate_for(currency="GBP", on=DAY)


@pytest.mark.parametrize(
    ("currency", "rate", "message"),
    [
        ("GBP", "0", "above 0 and at most 1,000,000"),
        ("GBP", "-1.2", "above 0 and at most 1,000,000"),
        ("GBP", "1000000.5", "above 0 and at most 1,000,000"),
        ("GBP", "abc", "must be a number"),
        ("XYZ", "1.1", "not an ISO 4217 currency code"),
        ("EUR", "1.1", "is the base currency"),
    ],
)
def test_a_bad_rate_is_refused_with_a_sentence_and_nothing_is_written(currency, rate, message):
    with pytest.raises(AccountingError, match=message):
        services.exchange_rate_set(currency=currency, on=DAY, rate=rate, user=None)
    assert not ExchangeRate.objects.exists()


def test_the_database_refuses_a_rate_out_of_bounds():
    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeRate.objects.create(currency="GBP", date=DAY, rate=Decimal("0"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeRate.objects.create(currency="GBP", date=DAY, rate=Decimal("1000001"))


def test_a_manual_rate_replaces_that_days_rate():
    services.exchange_rate_set(currency="gbp", on=DAY, rate="1.15", user=None)
    services.exchange_rate_set(currency="GBP", on=DAY, rate="1.16", user=None)
    row = ExchangeRate.objects.get()
    assert (row.currency, row.rate, row.source) == ("GBP", Decimal("1.16"), RateSource.MANUAL)


def test_the_ecb_history_loads_offline_in_decimal_and_keeps_rates_already_there():
    services.exchange_rate_set(currency="USD", on=datetime.date(2024, 1, 3), rate="0.9", user=None)
    added = services.exchange_rates_load_ecb(
        start=datetime.date(2024, 1, 1), currencies=["USD", "GBP"]
    )
    assert added > 1000
    usd = ExchangeRate.objects.get(currency="USD", date=datetime.date(2024, 1, 2))
    # ECB: 1 EUR = 1.0956 USD on 2 January 2024, so 1 USD = 1 / 1.0956 EUR.
    assert usd.rate == Decimal("0.912741876597") and usd.source == RateSource.ECB
    kept = ExchangeRate.objects.get(currency="USD", date=datetime.date(2024, 1, 3))
    assert kept.rate == Decimal("0.9") and kept.source == RateSource.MANUAL
    assert services.exchange_rates_load_ecb(start=datetime.date(2024, 1, 1)) >= 0
    assert ExchangeRate.objects.filter(currency="USD", date=datetime.date(2024, 1, 2)).count() == 1


def test_the_ecb_history_gives_cross_rates_to_another_base_currency(settings):
    settings.BASE_CURRENCY = "GBP"
    rates = {
        (date, currency): rate
        for date, currency, rate in services.ecb_rates(
            start=datetime.date(2024, 1, 2), currencies=["EUR", "USD"]
        )
        if date == datetime.date(2024, 1, 2)
    }
    # ECB 2 January 2024: 1 EUR = 0.86645 GBP = 1.0956 USD.
    assert rates[(datetime.date(2024, 1, 2), "EUR")] == Decimal("0.866450000000")
    assert rates[(datetime.date(2024, 1, 2), "USD")] == Decimal("0.790845198978")


def test_the_load_command_says_how_many_rates_it_added():
    out = []

    class Out:
        def write(self, text):
            out.append(text)

    call_command("load_exchange_rates", "--since", "2025-01-01", "--currency", "GBP", stdout=Out())
    assert "exchange rates to EUR" in "".join(out)
    assert ExchangeRate.objects.filter(currency="GBP").count() > 200


def test_without_a_rule_each_treatment_has_its_default_and_domestic_keeps_the_parts_rate():
    vat = TaxRateFactory(name="VAT 19%", percent=Decimal("19"))
    domestic = selectors.tax_charge_for(tax_rate=vat, treatment="domestic", country="DE")
    assert (domestic.name, domestic.percent, domestic.note) == ("VAT 19%", Decimal("19"), "")
    reverse = selectors.tax_charge_for(tax_rate=vat, treatment="reverse_charge", country="FR")
    assert (reverse.name, reverse.percent) == ("Reverse charge 0%", Decimal("0"))
    assert reverse.note == REVERSE_CHARGE_NOTE
    export = selectors.tax_charge_for(tax_rate=vat, treatment="export", country="US")
    assert (export.name, export.percent) == ("Export 0%", Decimal("0"))


def test_the_most_specific_rule_wins():
    vat = TaxRateFactory(name="VAT 19%", percent=Decimal("19"))
    reduced = TaxRateFactory(name="VAT 7%", percent=Decimal("7"))
    zero = TaxRateFactory(name="Zero", percent=Decimal("0"))
    TaxRule.objects.create(name="Export", treatment="export", charged_rate=zero, note="Export.")
    TaxRule.objects.create(
        name="Swiss", treatment="export", country="CH", tax_rate=vat, charged_rate=reduced
    )
    swiss = selectors.tax_charge_for(tax_rate=vat, treatment="export", country="CH")
    assert (swiss.name, swiss.rule.name) == ("VAT 7%", "Swiss")
    us = selectors.tax_charge_for(tax_rate=vat, treatment="export", country="US")
    assert (us.name, us.note, us.rule.name) == ("Zero", "Export.", "Export")


def test_a_rule_that_would_charge_a_second_rate_for_the_same_case_is_refused():
    vat = TaxRateFactory(name="VAT 19%", percent=Decimal("19"))
    zero = TaxRateFactory(name="Zero", percent=Decimal("0"))
    services.tax_rule_save(
        rule=TaxRule(name="A", tax_rate=vat, treatment=TaxTreatment.EXEMPT, charged_rate=zero),
        user=None,
    )
    second = TaxRule(name="B", tax_rate=vat, treatment=TaxTreatment.EXEMPT, charged_rate=vat)
    with pytest.raises(TaxRuleConflictError, match="two rules would charge two rates"):
        services.tax_rule_save(rule=second, user=None)
    assert TaxRule.objects.count() == 1
    any_rate = TaxRule(name="C", treatment=TaxTreatment.EXEMPT, charged_rate=zero)
    services.tax_rule_save(rule=any_rate, user=None)
    with pytest.raises(ValidationError, match="two rules would charge two rates"):
        TaxRule(name="D", treatment=TaxTreatment.EXEMPT, charged_rate=vat).validate_constraints()
