"""A provider's calls-per-minute limit, shared by every worker through the database."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounting.models import ProviderRateWindow


def rate_limit_take(provider: str, *, now: datetime | None = None) -> datetime | None:
    """Take one call of `provider`'s current minute: None when taken, else the start of the
    next minute (the window is full: run then). One atomic UPDATE ... WHERE calls < limit
    (its row lock serialises concurrent workers on SQLite and PostgreSQL alike); the
    window's row is created by the first call of the minute. Call it outside a long
    transaction: the row stays locked until the caller's transaction ends."""
    limit = settings.ACCOUNTING_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return None
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        if _take(provider, window, limit):
            return None
        try:
            with transaction.atomic():
                ProviderRateWindow.objects.create(provider=provider, window_start=window, calls=1)
        except IntegrityError:  # another worker created it first, or it is full
            if _take(provider, window, limit):
                return None
            return window + timedelta(minutes=1)
        ProviderRateWindow.objects.filter(
            provider=provider, window_start__lt=window - timedelta(hours=1)
        ).delete()
    return None


def _take(provider: str, window: datetime, limit: int) -> bool:
    return bool(
        ProviderRateWindow.objects.filter(
            provider=provider, window_start=window, calls__lt=limit
        ).update(calls=F("calls") + 1)
    )
