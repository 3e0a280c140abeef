"""Exchange rates for the generated orders' currencies, and each order's rate of its date."""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

from accounting.demo import carry_forward
from accounting.models import ExchangeRate, RateSource, base_currency
from accounting.selectors import RateQuote
from accounting.services import exchange_rates_load_ecb
from bench.generate.run import Run
from bench.generate.words import PLACES


def build_rates(run: Run) -> None:
    """Load the bundled ECB history from before the first order on (offline), carry the last
    rate forward to today, and keep every rate in memory: `run.rate_of(currency, day)`."""
    currencies = sorted({currency for _city, _country, currency in PLACES} - {base_currency()})
    first = run.today - dt.timedelta(days=3 * 365 + 14)
    exchange_rates_load_ecb(start=first, currencies=currencies)
    carry_forward(currencies=currencies, until=run.today, user=None)
    run.rate_table = {}
    for currency in currencies:
        rows = list(
            ExchangeRate.objects.filter(currency=currency, date__gte=first)
            .order_by("date")
            .values_list("date", "rate", "source")
        )
        run.rate_table[currency] = ([r[0] for r in rows], rows)
    run.rate_of = lambda currency, day: rate_of(run, currency, day)


def rate_of(run: Run, currency: str, day: dt.date) -> RateQuote:
    """The latest rate on or before `day` (what accounting.selectors.exchange_rate_for gives
    for it), from memory."""
    if currency == base_currency():
        return RateQuote(currency, Decimal("1"), day, RateSource.BASE)
    dates, rows = run.rate_table[currency]
    index = bisect.bisect_right(dates, day) - 1
    date, rate, source = rows[index]
    return RateQuote(currency, rate, date, source)
