"""This app's part of `manage.py demo_data`: exchange rates for the demo's currencies, revenue
accounts, the Department and Region dimensions, and accounting periods (closed at the end of
the demo, once every dated document is in)."""

import datetime

from django.utils import timezone

from accounting import services
from accounting.models import (
    Account,
    AccountingPeriod,
    Dimension,
    DimensionValue,
    ExchangeRate,
    RateSource,
    base_currency,
)

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
    _chart_of_accounts(ctx)
    _periods(ctx, today)


REVENUE_ACCOUNTS = [
    ("4000", "Sales - goods"),
    ("4100", "Sales - services"),
    ("4200", "Freight"),
]
DIMENSIONS = {
    "Department": [("SAL", "Sales"), ("SRV", "Service"), ("PRJ", "Projects")],
    "Region": [("NOR", "North"), ("SOU", "South"), ("EXP", "Export")],
}


def _chart_of_accounts(ctx: dict) -> None:
    """Revenue accounts and two dimensions. Puts ctx["accounts"] ({code: Account}) and
    ctx["dimensions"] ({name: [DimensionValue]})."""
    ctx["accounts"] = {
        code: Account.objects.create(code=code, name=name, type=Account.Type.REVENUE)
        for code, name in REVENUE_ACCOUNTS
    }
    Account.objects.create(code="1200", name="Trade receivables", type=Account.Type.RECEIVABLE)
    ctx["dimensions"] = {}
    for name, values in DIMENSIONS.items():
        dimension = Dimension.objects.create(name=name)
        ctx["dimensions"][name] = [
            DimensionValue.objects.create(dimension=dimension, code=code, name=label)
            for code, label in values
        ]


def _month(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _periods(ctx: dict, today: datetime.date) -> None:
    """The month before last, last month and this month, Open for now: close_periods() shuts
    the first two once the demo's orders (dated up to 60 days back) are in."""
    user = ctx["users"].get("accounts") or ctx["users"].get("demo")
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    before_last = (last_month - datetime.timedelta(days=1)).replace(day=1)
    ctx["periods"] = []
    for first in (before_last, last_month, this_month):
        start, end = _month(first)
        ctx["periods"].append(
            services.period_create(name=f"{first:%B %Y}", start=start, end=end, user=user)
        )


def close_periods(ctx: dict) -> None:
    """The books are closed: last month Closed, the month before Locked. Run after every
    app's demo documents are made (orders, invoices, payments), since none can be dated in a
    shut period afterwards."""
    user = ctx["users"].get("accounts") or ctx["users"].get("demo")
    before_last, last_month, _this_month = ctx["periods"]
    services.period_close(period=before_last, user=user, reason="Month-end close")
    services.period_lock(period=before_last, user=user, reason="Audited")
    services.period_close(period=last_month, user=user, reason="Month-end close")
    assert AccountingPeriod.objects.shut().count() == 2


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
