"""The ICS feed of sales orders: feed tokens, and building RFC 5545 text with `icalendar`.

Speed: `icalendar` serializes about 3,000 events a second, so a 10,000-order feed is never
rebuilt per request. Each order's VEVENT text is stored in the database (OrderCalendarEvent)
with the order's `version` - which grows with every change of the order, its lines or its
shipments - so every process shares it and it survives restarts; only orders whose stored
text is missing or stale are built, and written back. The whole feed is also cached (Django's
cache) under its ETag. A request first reads the feed generation (one primary-key query,
the same whatever the number of orders: database triggers change it on every write of orders,
lines and customers); a matching If-None-Match gets 304 and a known ETag gets the cached feed,
without loading orders. `services.calendar_events_refresh` rebuilds given orders' events
(after an order changes), and `manage.py warm_calendar` fills the store (after a deploy or a
data load).
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, F, Q, QuerySet, When
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vDuration

from core.numbers import format_money
from order_calendar.models import FeedGeneration, OrderCalendarEvent
from salesorders.models import DeliveryState, InvoicingState, SalesOrder

# Bump when the text of an event or of the calendar changes shape: old cache entries and
# ETags then stop matching.
FEED_FORMAT = "3"
REFRESH = datetime.timedelta(hours=1)
FEED_CACHE_SECONDS = 24 * 3600


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
    "invoicing_state",
)
STATUS_LABELS = dict(SalesOrder.Status.choices)
DELIVERY_LABELS = dict(DeliveryState.choices)
INVOICING_LABELS = dict(InvoicingState.choices)
# RFC 5545 STATUS of a VEVENT: drafts and held orders are tentative, the rest confirmed.
EVENT_STATUS = {
    SalesOrder.Status.PENDING: "TENTATIVE",
    SalesOrder.Status.PENDING_APPROVAL: "TENTATIVE",
    SalesOrder.Status.ON_HOLD: "TENTATIVE",
    SalesOrder.Status.ISSUED: "CONFIRMED",
    SalesOrder.Status.COMPLETE: "CONFIRMED",
    SalesOrder.Status.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class Fingerprint:
    """What the feed's content depends on besides its variant: the feed generation (one
    primary-key read of FeedGeneration, which database triggers change on every write of orders,
    order lines and customers) and the year (the time zone component spans the years around
    today's)."""

    generation: int
    last_modified: datetime.datetime | None
    year: int

    def etag(self, variant: str) -> str:
        raw = "|".join(
            [
                FEED_FORMAT,
                settings.SITE_URL,
                settings.COMPANY_NAME,
                settings.TIME_ZONE,
                variant,
                str(self.year),
                str(self.generation),
            ]
        )
        return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def fingerprint() -> Fingerprint:
    """The feed generation: one indexed query, whatever the number of orders.

    The generation changes when a write of orders, lines or customers commits (see
    models.FeedGeneration), so it is the same for every feed and any write anywhere gives every
    feed a new ETag: a feed whose orders did not change is then sent again (from the stored
    events), never a 304 for content that did change. No row (a flushed database) reads as
    generation 0 until the next write puts it back."""
    row = FeedGeneration.objects.filter(pk=1).values_list("generation", "changed_at").first()
    generation, changed_at = row or (0, None)
    return Fingerprint(
        generation=generation, last_modified=changed_at, year=timezone.localdate().year
    )


def _site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def order_event(row: dict, *, detail_url: str, host: str) -> Event:
    """One all-day VEVENT for an order (a dict with EVENT_FIELDS)."""
    status = row["status"]
    delivery = row.get("delivery_state") or DeliveryState.NOT_SHIPPED
    invoicing = row.get("invoicing_state") or InvoicingState.NOT_INVOICED
    description = "\n".join(
        [
            f"Status: {STATUS_LABELS.get(status, status)}",
            f"Delivery: {DELIVERY_LABELS.get(delivery, delivery)}",
            f"Invoicing: {INVOICING_LABELS.get(invoicing, invoicing)}",
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


def _detail_url_template() -> tuple[str, str]:
    # reverse() once and substitute the pk: reversing 10,000 times costs more than the rest.
    marker = 987654321
    url = settings.SITE_URL + reverse("salesorders:detail", args=[marker])
    head, _, tail = url.partition(str(marker))
    return head, tail


def event_source_key() -> str:
    """What goes into an event's text besides the order's row at its version: the feed format,
    SITE_URL (URL and UID host) and the order page's URL layout. A stored event made under
    another key is stale, so changing SITE_URL or FEED_FORMAT rebuilds every event."""
    head, tail = _detail_url_template()
    raw = "|".join([FEED_FORMAT, settings.SITE_URL, _site_host(), head, tail])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def build_events(rows, *, source: str) -> dict[int, OrderCalendarEvent]:
    """Build and serialize the VEVENT of each order row (a dict with EVENT_FIELDS)."""
    head, tail = _detail_url_template()
    host = _site_host()
    now = timezone.now()
    built = {}
    for row in rows:
        pk = row["pk"]
        event = order_event(row, detail_url=f"{head}{pk}{tail}", host=host)
        built[pk] = OrderCalendarEvent(
            order_id=pk,
            # The version just read: text and version always belong together, even when the
            # order changes meanwhile (the next reader then sees a stale row and rebuilds it).
            version=row["version"],
            source=source,
            ics=serialize(event).decode(),
            built_at=now,
        )
    return built


def store_events(events: list[OrderCalendarEvent], batch_size: int | None = None) -> None:
    """Write the events to the store: one upsert (INSERT ... ON CONFLICT DO UPDATE).

    Two processes storing the same orders at once both succeed, the later write wins; rows go
    in pk order so concurrent upserts lock them in the same order and cannot deadlock. A slow
    writer may put back an older version over a newer one: the next reader sees the version
    differ and rebuilds it, so that costs time, never correctness."""
    if not events:
        return
    OrderCalendarEvent.objects.bulk_create(
        sorted(events, key=lambda event: event.order_id),
        batch_size=batch_size,
        update_conflicts=True,
        unique_fields=["order"],
        update_fields=["version", "source", "ics", "built_at"],
    )


def serialized_events(orders: QuerySet) -> list[str]:
    """The VEVENT text of every order, in target-date order.

    One query loads the orders with their stored event text (a LEFT JOIN that returns the
    text only when it was made at the order's current version and source key).
    The orders without one are loaded in a second query (all of them when most are missing),
    built with icalendar, and written back to the store in a third (upsert).

    A GET writing to the database: acceptable here because it is only a cache fill,
    idempotent and holding no business state; concurrent fills of the same rows do not fail
    (see store_events)."""
    source = event_source_key()
    fresh = Q(calendar_event__version=F("version"), calendar_event__source=source)
    rows = list(
        orders.order_by()
        .annotate(stored_ics=Case(When(fresh, then=F("calendar_event__ics")), default=None))
        .values_list("target_date", "reference_number", "pk", "stored_ics")
    )
    # Sorted here, not by ORDER BY: PostgreSQL would sort the rows with their text (5 MB for
    # 10,000 orders, on disk past work_mem); sorting 10,000 small keys in Python takes 4 ms.
    rows.sort(key=itemgetter(0, 1, 2))
    pairs = [(pk, text) for _, _, pk, text in rows]
    missing = [pk for pk, text in pairs if text is None]
    built: dict[int, OrderCalendarEvent] = {}
    if missing:
        source_rows = orders if len(missing) > 500 else orders.filter(pk__in=missing)
        wanted = set(missing)
        built = build_events(
            (
                row
                for row in source_rows.with_delivery_state()
                .with_invoicing_state()
                .order_by()
                .values(*EVENT_FIELDS)
                if row["pk"] in wanted
            ),
            source=source,
        )
        store_events(list(built.values()))
    texts = []
    for pk, text in pairs:
        if text is None:
            event = built.get(pk)
            if event is None:  # left the feed between the two queries
                continue
            text = event.ics
        texts.append(text)
    return texts


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
    # The company's time zone as a component: names what "today" and "overdue" mean, and
    # keeps a feed with no orders valid (RFC 5545 wants at least one component).
    year = timezone.localdate().year
    cal.add_component(
        Timezone.from_tzid(
            settings.TIME_ZONE,
            first_date=datetime.date(year - 1, 1, 1),
            last_date=datetime.date(year + 3, 1, 1),
        )
    )
    text = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert text.endswith(end)
    return text[: -len(end)], end


def build_feed(orders: QuerySet, *, name: str) -> bytes:
    """The whole ICS text for these orders."""
    head, tail = calendar_shell(name)
    return b"".join([head, "".join(serialized_events(orders)).encode(), tail])


def cached_feed(orders: QuerySet, *, etag: str, name: str) -> bytes:
    """The feed text, from the cache under its ETag or built (and then cached)."""
    # The key from before the calendar left salesorders: cached feeds survive the deploy.
    key = f"salesorders:ics-feed:{etag.strip(chr(34))}"
    body = cache.get(key)
    if body is None:
        body = build_feed(orders, name=name)
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body
