"""The ICS feed of sales orders: feed tokens, and building RFC 5545 text with `icalendar`.

Speed: `icalendar` serializes about 3,000 events a second, so a 10,000-order feed is never
rebuilt per request. Each order's VEVENT text is cached under (pk, version) - `version` grows
with every change of the order, its lines or its shipments - and the whole feed is cached under
its ETag. A request first runs one aggregate query (the feed's fingerprint); a matching
If-None-Match gets 304 and a known fingerprint gets the cached feed, without loading orders.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from salesorders.models import CalendarFeedToken, DeliveryState, SalesOrder

# Bump when the text of an event or of the calendar changes shape: old cache entries and
# ETags then stop matching.
FEED_FORMAT = "3"
REFRESH = datetime.timedelta(hours=1)
EVENT_CACHE_SECONDS = 7 * 24 * 3600
FEED_CACHE_SECONDS = 24 * 3600
VIEW_PERMISSION = "salesorders.view_salesorder"

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def parse_bool(name: str, value: str | None, default: bool = False) -> bool:
    """Read a boolean query parameter: true/false, 1/0, yes/no in any case.

    Raises ValueError with a sentence for the person who wrote the URL."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false (also 1/0, yes/no), not {value!r}.")


# --- Tokens -----------------------------------------------------------------------------------


def _token_for(user_pk: int, key: str, secret: str) -> str:
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


def regenerate_feed_token(*, user) -> str:
    """Give the user a new feed token; the old feed URL stops working at once."""
    token, _ = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"key": secrets.token_urlsafe(32), "created_at": timezone.now()}
    )
    user.calendar_feed_token = token  # refresh the cached relation
    return feed_token(user)


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


# --- Building the feed ------------------------------------------------------------------------

EVENT_FIELDS = (
    "pk",
    "version",
    "reference",
    "customer_name",
    "customer_reference",
    "status",
    "target_date",
    "currency",
    "total",
    "line_count",
    "created_at",
    "updated_at",
    "delivery_state",
)
STATUS_LABELS = dict(SalesOrder.Status.choices)
DELIVERY_LABELS = dict(DeliveryState.choices)
# RFC 5545 STATUS of a VEVENT: drafts and held orders are tentative, the rest confirmed.
EVENT_STATUS = {
    SalesOrder.Status.PENDING: "TENTATIVE",
    SalesOrder.Status.ON_HOLD: "TENTATIVE",
    SalesOrder.Status.ISSUED: "CONFIRMED",
    SalesOrder.Status.COMPLETE: "CONFIRMED",
    SalesOrder.Status.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class Fingerprint:
    """What the feed's content depends on, from one aggregate query."""

    count: int
    version_sum: int
    pk_sum: int
    last_modified: datetime.datetime | None

    def etag(self, variant: str) -> str:
        raw = "|".join(
            [
                FEED_FORMAT,
                settings.SITE_URL,
                settings.COMPANY_NAME,
                variant,
                str(self.count),
                str(self.version_sum),
                str(self.pk_sum),
                self.last_modified.isoformat() if self.last_modified else "-",
            ]
        )
        return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def fingerprint(orders: QuerySet) -> Fingerprint:
    """One aggregate over the feed's orders.

    Every change of an order bumps its `version` and `updated_at` (services.touch_order), so an
    edit moves the sums and the latest time, an order that leaves the set changes the count,
    and one that enters brings a newer `updated_at`."""
    row = orders.order_by().aggregate(
        count=Count("pk"), version_sum=Sum("version"), pk_sum=Sum("pk"), last=Max("updated_at")
    )
    return Fingerprint(
        count=row["count"],
        version_sum=row["version_sum"] or 0,
        pk_sum=row["pk_sum"] or 0,
        last_modified=row["last"],
    )


def _site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def order_event(row: dict, *, detail_url: str, host: str) -> Event:
    """One all-day VEVENT for an order (a dict with EVENT_FIELDS)."""
    status = row["status"]
    delivery = row.get("delivery_state") or DeliveryState.NOT_SHIPPED
    description = "\n".join(
        [
            f"Status: {STATUS_LABELS.get(status, status)}",
            f"Delivery: {DELIVERY_LABELS.get(delivery, delivery)}",
            f"Customer PO: {row['customer_reference'] or '-'}",
            f"Lines: {row['line_count']}",
            f"Total: {_money(row['total'], row['currency'])}",
            "",
            detail_url,
        ]
    )
    event = Event()
    event.add("uid", f"salesorder-{row['pk']}@{host}")
    # Without METHOD, DTSTAMP is when the event was last revised in our store (RFC 5545 3.8.7.2),
    # which keeps the text a function of (pk, version) and so cacheable.
    event.add("dtstamp", _utc(row["updated_at"]))
    event.add("created", _utc(row["created_at"]))
    event.add("last-modified", _utc(row["updated_at"]))
    event.add("sequence", row["version"])
    event.add("dtstart", row["target_date"])
    event.add("dtend", row["target_date"] + datetime.timedelta(days=1))
    event.add("summary", f"{row['reference']} · {row['customer_name']}")
    event.add("description", description)
    event.add("url", detail_url)
    event.add("status", EVENT_STATUS.get(status, "CONFIRMED"))
    event.add("categories", [STATUS_LABELS.get(status, status)])
    # An order's ship-by date does not make anyone busy.
    event.add("transp", "TRANSPARENT")
    return event


def serialize(component) -> bytes:
    """The component's RFC 5545 text, as `component.to_ical()` makes it, only faster.

    icalendar folds every content line character by character, a large part of its time;
    most of our lines are under 75 octets and need no folding, so only the others go through
    icalendar's folding (Contentline.to_ical)."""
    lines = []
    for line in component.content_lines():
        if not line:
            continue
        encoded = line.encode()
        lines.append(encoded if len(encoded) < 75 else line.to_ical())  # to_ical() folds
    lines.append(b"")
    return b"\r\n".join(lines)


def _event_cache_key(pk: int, version: int) -> str:
    site = hashlib.sha256(settings.SITE_URL.encode()).hexdigest()[:12]
    return f"salesorders:ics:{FEED_FORMAT}:{site}:{pk}:{version}"


def _detail_url_template() -> tuple[str, str]:
    # reverse() once and substitute the pk: reversing 10,000 times costs more than the rest.
    marker = 987654321
    url = settings.SITE_URL + reverse("salesorders:detail", args=[marker])
    head, _, tail = url.partition(str(marker))
    return head, tail


def serialized_events(orders: QuerySet) -> list[bytes]:
    """The VEVENT text of every order, in target-date order.

    One light query for (pk, version) finds the cached pieces; the orders whose piece is
    missing are loaded in a second query (all of them when most are missing), built with
    icalendar, and cached."""
    pairs = list(
        orders.order_by("target_date", "reference_number", "pk").values_list("pk", "version")
    )
    keys = [_event_cache_key(pk, version) for pk, version in pairs]
    pieces = cache.get_many(keys)
    missing = [pk for (pk, _), key in zip(pairs, keys, strict=True) if key not in pieces]
    if missing:
        source = orders if len(missing) > 500 else orders.filter(pk__in=missing)
        rows = {
            row["pk"]: row for row in source.with_delivery_state().order_by().values(*EVENT_FIELDS)
        }
        head, tail = _detail_url_template()
        host = _site_host()
        built = {}
        for pk in missing:
            row = rows.get(pk)
            if row is None:  # left the feed between the two queries
                continue
            event = order_event(row, detail_url=f"{head}{pk}{tail}", host=host)
            # Keyed by the version just read: an edit between the queries is not lost.
            built[_event_cache_key(pk, row["version"])] = serialize(event)
        cache.set_many(built, EVENT_CACHE_SECONDS)
        for (pk, _), key in zip(pairs, keys, strict=True):
            if key not in pieces and pk in rows:
                pieces[key] = built[_event_cache_key(pk, rows[pk]["version"])]
    return [pieces[key] for key in keys if key in pieces]


def calendar_shell(name: str) -> tuple[bytes, bytes]:
    """The VCALENDAR text before and after its events."""
    cal = Calendar()
    cal.add("prodid", f"-//{settings.COMPANY_NAME}//{settings.APP_NAME}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))  # not a known property: say its type
    text = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert text.endswith(end)
    return text[: -len(end)], end


def build_feed(orders: QuerySet, *, name: str) -> bytes:
    """The whole ICS text for these orders."""
    head, tail = calendar_shell(name)
    return b"".join([head, *serialized_events(orders), tail])


def cached_feed(orders: QuerySet, *, etag: str, name: str) -> bytes:
    """The feed text, from the cache under its ETag or built (and then cached)."""
    key = f"salesorders:ics-feed:{etag.strip(chr(34))}"
    body = cache.get(key)
    if body is None:
        body = build_feed(orders, name=name)
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body
