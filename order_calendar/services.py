"""Writes of the calendar: a user's feed token, and (re)building orders' stored events."""

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from order_calendar.feeds import EVENT_FIELDS, build_events, event_source_key, store_events
from order_calendar.models import CalendarFeedToken, OrderCalendarEvent
from order_calendar.selectors import feed_token
from salesorders.models import SalesOrder


def feed_token_regenerate(*, user: AbstractBaseUser) -> str:
    """Give the user a new feed token and return it; the old feed URL stops working at once.

    One upsert of the user's CalendarFeedToken row; raises nothing."""
    token, _ = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"key": secrets.token_urlsafe(32), "created_at": timezone.now()}
    )
    user.calendar_feed_token = token  # refresh the cached relation
    return feed_token(user)


def calendar_events_refresh(order_pks: list[int], *, batch_size: int | None = None) -> int:
    """(Re)build and store the calendar events of these orders; returns how many were stored.

    Three queries whatever the number of orders (load, upsert, and removing the stored event
    of orders without a target date). Run after an order change commits (the receiver of
    salesorders.signals.order_changed), and by `manage.py warm_calendar`. Idempotent; unknown
    pks are ignored. Locks nothing: concurrent refreshes of the same rows both succeed (see
    feeds.store_events)."""
    order_pks = list(order_pks)
    if not order_pks:
        return 0
    rows = (
        SalesOrder.objects.filter(pk__in=order_pks, target_date__isnull=False)
        .with_delivery_state()
        .with_invoicing_state()
        .order_by()
        .values(*EVENT_FIELDS)
    )
    built = build_events(rows, source=event_source_key())
    store_events(list(built.values()), batch_size=batch_size)
    gone = set(order_pks) - set(built)
    if gone:  # no target date (any more), or deleted: no event
        OrderCalendarEvent.objects.filter(order_id__in=list(gone)).delete()
    return len(built)
