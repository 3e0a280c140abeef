"""Reads of the calendar: the feed URL's secret token, the user a token belongs to, the feed
URL, the orders whose stored event must be (re)built, a customer filter's label."""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from customers.models import Customer
from order_calendar.feeds import event_source_key, fingerprint
from order_calendar.models import CalendarFeedToken, FeedGeneration
from salesorders.models import SalesOrder

# --- Changes of orders ----------------------------------------------------------------------


def orders_change_mark() -> str | None:
    """A string that changes whenever a write of orders, order lines or customers commits
    (the feed generation, models.FeedGeneration, which database triggers move whichever code
    wrote), for keeping figures computed from them until they change: one primary-key read.

    None when what this connection reads is not what the mark stands for: on PostgreSQL, when
    its open transaction has written something itself (an id is assigned to it; the triggers
    move the mark only at commit). On SQLite the triggers move it at each write, inside the
    writing transaction too, and its time is part of the mark, so a number handed out again
    after a rollback is still a new mark."""
    if connection.vendor == "postgresql":
        table = FeedGeneration._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT g.generation, g.changed_at, txid_current_if_assigned() IS NULL "
                f"FROM (SELECT 1) AS one LEFT JOIN {table} AS g ON g.id = 1"
            )
            generation, changed_at, unwritten = cursor.fetchone()
        if not unwritten:
            return None
    else:
        current = fingerprint()
        generation, changed_at = current.generation, current.last_modified
    return f"{generation or 0}@{changed_at.isoformat() if changed_at else '-'}"


# --- Tokens -----------------------------------------------------------------------------------


def _token_for(user_pk: int, key: str, secret: str) -> str:
    # The message names the app the feed was born in. It must stay byte for byte as it is:
    # every feed URL handed out so far is an HMAC of it.
    message = f"salesorders.calendar-feed:{user_pk}:{key}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _key_of(user) -> str:
    try:
        return user.calendar_feed_token.key
    except CalendarFeedToken.DoesNotExist:
        return ""


def feed_token(user) -> str:
    """The user's current secret for the feed URL (derived, never stored)."""
    return _token_for(user.pk, _key_of(user), settings.SECRET_KEY)


def user_for_feed_token(user_pk: int, token: str):
    """The active user the token belongs to, or None. One query; constant-time comparison.

    Tokens made with a retired SECRET_KEY still in SECRET_KEY_FALLBACKS keep working, so a key
    rotation does not break every subscription at once."""
    user = (
        get_user_model()
        .objects.select_related("calendar_feed_token")
        .filter(pk=user_pk, is_active=True)
        .first()
    )
    key = _key_of(user) if user is not None else secrets.token_urlsafe(32)
    secrets_to_try = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    matched = False
    for secret in secrets_to_try:
        expected = _token_for(user_pk, key, secret)
        matched |= hmac.compare_digest(expected.encode(), token.encode())
    return user if matched and user is not None else None


def feed_url(user, query: dict | None = None) -> str:
    """The absolute feed URL for the user, built from SITE_URL, with optional filters."""
    path = reverse("calendar:feed", kwargs={"user_id": user.pk, "token": feed_token(user)})
    suffix = f"?{urlencode(query, doseq=True)}" if query else ""
    return f"{settings.SITE_URL}{path}{suffix}"


def webcal_url(url: str) -> str:
    """The same feed as a webcal:// address: calendar apps subscribe to it (and keep it up to
    date) instead of importing the file once."""
    return "webcal://" + url.split("://", 1)[1]


# --- The event store --------------------------------------------------------------------------


def stale_event_orders() -> QuerySet:
    """Orders with a target date whose stored event is missing or stale."""
    return (
        SalesOrder.objects.filter(target_date__isnull=False)
        .alias(
            stored_version=F("calendar_event__version"),
            stored_source=F("calendar_event__source"),
        )
        .filter(
            Q(stored_version__isnull=True)
            | ~Q(stored_version=F("version"))
            | ~Q(stored_source=event_source_key())
        )
    )


# --- Pages ------------------------------------------------------------------------------------


# What the month grid shows of an order (and sorts by).
ORDER_COLUMNS = (
    "id",
    "reference",
    "reference_number",
    "customer_name",
    "status",
    "target_date",
    "something_to_ship",
)


def month_orders(orders: QuerySet, start, end, *, per_day: int) -> list[SalesOrder]:
    """The first `per_day` of `orders` on each target date from `start` to `end` (by
    reference), each with `day_total`, the number of orders on its date.

    On PostgreSQL two queries that read what the grid shows, not the orders of the six weeks:
    the count of each date's orders (from the index on target date alone when no filter
    needs more), then, for the dates that have orders, the first `per_day` of each by
    reference (the index on target date and reference, a few entries each). On SQLite, the
    embedded default, one query whose window functions number and count each date's
    orders."""
    in_grid = orders.filter(target_date__gte=start, target_date__lte=end)
    if connection.vendor != "postgresql":
        return _month_orders_windowed(in_grid, per_day)
    totals = dict(in_grid.order_by().values_list("target_date").annotate(n=Count("*")))
    if not totals:
        return []
    # The filtered orders as a subquery, read per date through a LATERAL join: PostgreSQL
    # folds the subquery into each date's read, so each is an index range of a few entries.
    # (A UNION of one Django queryset per date said the same, but building and compiling
    # forty-two querysets cost more than the query.)
    inner, params = in_grid.order_by().values(*ORDER_COLUMNS).query.sql_with_params()
    sql = (
        "SELECT shown.* FROM unnest(%s::date[]) AS grid(day) CROSS JOIN LATERAL ("
        f"SELECT * FROM ({inner}) AS orders WHERE orders.target_date = grid.day "
        "ORDER BY orders.reference_number, orders.id LIMIT %s) AS shown"
    )
    shown = list(SalesOrder.objects.raw(sql, [sorted(totals), *params, per_day]))
    shown.sort(key=lambda order: (order.target_date, order.reference_number, order.pk))
    for order in shown:
        order.day_total = totals[order.target_date]
    return shown


def _month_orders_windowed(in_grid: QuerySet, per_day: int) -> list[SalesOrder]:
    day = F("target_date")
    return list(
        in_grid.only(*ORDER_COLUMNS)
        .annotate(
            day_rank=Window(RowNumber(), partition_by=day, order_by=["reference_number", "pk"]),
            day_total=Window(Count("pk"), partition_by=day),
        )
        .filter(day_rank__lte=per_day)
        .order_by("target_date", "reference_number", "pk")
    )


def customer_label(text: str) -> str:
    """The customer's name when the filter text is a customer code, else the text."""
    name = Customer.objects.filter(code__iexact=text).values_list("name", flat=True).first()
    return name or text
