"""Measure the ICS feed: cold and warm timings and query counts for N open orders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_calendar_bench \\
        .venv/bin/python bench/ics_feed.py [--orders 10000] [--repeat 5]

Creates the database if it is missing, migrates it, and bulk-creates open orders with target
dates (two lines each, some partly shipped) until there are N. Then it requests the feed through
Django's test client, as a calendar client would, and reports:

- cold DB:       the event store (OrderCalendarEvent) empty and Django's cache cleared: every
                 VEVENT built with icalendar and written to the store (first request ever);
- warm_calendar: `manage.py warm_calendar` filling the empty store (what a deploy runs);
- cold process:  the store filled, Django's cache cleared (a restarted or another worker);
- one changed:   one order edited (salesorder_touch), nothing refreshed: the feed joins the stored
                 VEVENTs, builds the changed one and writes it back;
- one refreshed: one order edited and calendar_events_refresh() run for it (as on_commit after
                 salesorder_touch will): the feed only joins stored text;
- warm:          the whole feed cached under its ETag;
- 304:           a conditional GET with the ETag.

Self-contained: it does not use the rest of bench/.
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def ensure_database(url: str) -> None:
    """CREATE DATABASE if the PostgreSQL database in the URL is missing."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def seed(count: int) -> None:
    import datetime

    from django.db import transaction
    from django.db.models import prefetch_related_objects
    from django.utils import timezone

    from customers.models import Customer
    from inventory.models import Part
    from salesorders.models import OPEN_STATUSES, SalesOrder, SalesOrderLine

    have = SalesOrder.objects.open().filter(target_date__isnull=False).count()
    if have >= count:
        return
    today = timezone.localdate()
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(code=f"BENCH-{n:04d}", name=f"Bench customer {n}, Ltd; “n°{n}”")
            for n in range(Customer.objects.filter(code__startswith="BENCH-").count(), 200)
        ) or list(Customer.objects.filter(code__startswith="BENCH-"))
        parts = Part.objects.bulk_create(
            Part(sku=f"BENCH-{n:03d}", name=f"Bench part {n}", list_price=Decimal("12.5000"))
            for n in range(Part.objects.filter(sku__startswith="BENCH-").count(), 20)
        ) or list(Part.objects.filter(sku__startswith="BENCH-"))
        last = SalesOrder.objects.order_by("-reference_number").first()
        first_number = (last.reference_number if last else 0) + 1
        orders = SalesOrder.objects.bulk_create(
            (
                SalesOrder(
                    reference=f"SO-B{n:06d}",
                    reference_number=n,
                    customer=(customer := customers[n % len(customers)]),
                    customer_name=customer.name,
                    customer_reference=f"PO-{n}",
                    currency="EUR",
                    status=OPEN_STATUSES[n % 3],
                    order_date=today,
                    target_date=today + datetime.timedelta(days=n % 365),
                    total=Decimal("250.00"),
                    subtotal=Decimal("250.00"),
                    line_count=2,
                )
                for n in range(first_number, first_number + count - have)
            ),
            batch_size=2000,
        )
        prefetch_related_objects(parts, "price_breaks")  # no query per line
        lines = []
        for index, order in enumerate(orders):
            for offset in range(2):
                line = SalesOrderLine.from_part(
                    order=order, part=parts[(index + offset) % len(parts)], quantity=Decimal("10")
                )
                if index % 4 == 0 and offset:
                    line.shipped_quantity = Decimal("4")
                lines.append(line)
        SalesOrderLine.objects.bulk_create(lines, batch_size=5000)


def timed(client, url: str, **headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        body = response.content
        elapsed = (time.perf_counter() - start) * 1000
    return response, body, elapsed, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_database(url)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from icalendar import Calendar

    from order_calendar import selectors, services
    from order_calendar.models import OrderCalendarEvent
    from salesorders.models import SalesOrder
    from salesorders.services import salesorder_touch

    call_command("migrate", verbosity=0)
    seed(args.orders)
    user, _ = get_user_model().objects.get_or_create(username="bench-calendar")
    user.groups.add(Group.objects.get(name="Sales"))
    path = reverse(
        "calendar:feed", kwargs={"user_id": user.pk, "token": selectors.feed_token(user)}
    )
    client = Client()
    open_orders = SalesOrder.objects.open().filter(target_date__isnull=False).count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"open orders with a target date: {open_orders}")

    def clear_store() -> None:
        OrderCalendarEvent.objects.all().delete()

    cold_db = []
    for _ in range(max(1, args.repeat // 2)):
        clear_store()
        cache.clear()
        response, body, ms, queries = timed(client, path)
        cold_db.append((ms, queries))
    assert response.status_code == 200, response.content[:200]
    built_body = body
    events = len(Calendar.from_ical(body).walk("VEVENT"))
    print(f"feed: {events} events, {len(body) / 1e6:.1f} MB")

    warm_command = []
    for _ in range(max(1, args.repeat // 2)):
        clear_store()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            call_command("warm_calendar", "--no-progress", verbosity=0)
            warm_command.append(((time.perf_counter() - start) * 1000, len(queries)))

    if connection.vendor == "postgresql":
        # The store was just emptied and refilled; autovacuum would analyze it within a minute
        # in production. Without statistics the planner picks a nested loop over 10,000 rows.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE salesorders_ordercalendarevent")

    cold_process = []
    for _ in range(args.repeat):
        cache.clear()
        response, body, ms, queries = timed(client, path)
        cold_process.append((ms, queries))
    assert body == built_body, "the feed from the store differs from the one just built"

    changed = []
    order = SalesOrder.objects.open().filter(target_date__isnull=False).first()
    for _ in range(args.repeat):
        salesorder_touch(order=order, user=None)
        _, _, ms, queries = timed(client, path)
        changed.append((ms, queries))

    refreshed = []
    for _ in range(args.repeat):
        salesorder_touch(order=order, user=None)
        services.calendar_events_refresh([order.pk])
        _, _, ms, queries = timed(client, path)
        refreshed.append((ms, queries))

    warm = [timed(client, path)[2:] for _ in range(args.repeat)]
    etag = timed(client, path)[0]["ETag"]
    not_modified = []
    for _ in range(args.repeat):
        response, _, ms, queries = timed(client, path, **{"If-None-Match": etag})
        assert response.status_code == 304
        not_modified.append((ms, queries))

    def report(label: str, runs: list[tuple[float, int]]) -> None:
        times = [ms for ms, _ in runs]
        queries = sorted({q for _, q in runs})
        print(
            f"{label:<14} median {statistics.median(times):8.1f} ms"
            f"  (min {min(times):.1f}, max {max(times):.1f}, n={len(times)})"
            f"  queries {'/'.join(map(str, queries))}"
        )

    report("cold DB", cold_db)
    report("warm_calendar", warm_command)
    report("cold process", cold_process)
    report("one changed", changed)
    report("one refreshed", refreshed)
    report("warm", warm)
    report("304", not_modified)


if __name__ == "__main__":
    main()
