"""This app's part of `manage.py demo_data`: exchange rates for the demo's currencies."""

import datetime

from django.utils import timezone

from accounting import services
from accounting.models import ExchangeRate, RateSource, base_currency

HISTORY_DAYS = 120


def build(ctx: dict) -> None:
    """Load the bundled ECB rates of the last HISTORY_DAYS days (offline). The bundled
    history ends some weeks before a new package release; for the days after its last date,
    the last ECB rate is entered as a manual rate, so orders of those days have a rate too
    (a real installation loads newer rates instead)."""
    today = timezone.localdate()
    currencies = sorted({c.currency for c in ctx.get("customers", [])} - {base_currency()})
    services.exchange_rates_load_ecb(
        start=today - datetime.timedelta(days=HISTORY_DAYS), currencies=currencies or None
    )
    carry_forward(currencies=currencies, until=today, user=ctx["users"].get("demo"))


def carry_forward(*, currencies, until: datetime.date, user) -> int:
    """Enter each currency's latest stored rate as a manual rate for every weekday after it
    up to `until` (demo and generated data only). Returns how many rates were added."""
    added = []
    for currency in currencies:
        last = ExchangeRate.objects.on_or_before(currency, until).first()
        if last is None:
            continue
        services.exchange_rate_check(currency=currency, rate=last.rate)
        day = last.date + datetime.timedelta(days=1)
        while day <= until:
            if day.weekday() < 5:
                added.append(
                    ExchangeRate(
                        currency=currency, date=day, rate=last.rate, source=RateSource.MANUAL
                    )
                )
            day += datetime.timedelta(days=1)
    ExchangeRate.objects.bulk_create(added, ignore_conflicts=True)
    return len(added)
