"""Fill the calendar event store: build every missing or stale VEVENT of orders with a target
date, so the first feed request after a deploy, a data load or a SITE_URL change is fast."""

import multiprocessing

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.models import Exists, OuterRef
from tqdm import tqdm

from order_calendar.models import OrderCalendarEvent
from order_calendar.selectors import stale_event_orders
from order_calendar.services import calendar_events_refresh
from salesorders.models import SalesOrder


class Command(BaseCommand):
    help = (
        "Build and store the ICS feed event of every order with a target date whose stored "
        "event is missing or stale (in batches; safe to run while the app serves requests)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Orders per batch (default 1000)."
        )
        parser.add_argument(
            "--all",
            dest="rebuild_all",
            action="store_true",
            help="Rebuild every event, also the fresh ones.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help=(
                "Processes building events at once (default 1). On PostgreSQL, N processes "
                "build N batches at a time; SQLite takes one writer, so it always uses one."
            ),
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self,
        *args,
        batch_size: int,
        rebuild_all: bool,
        no_progress: bool,
        jobs: int = 1,
        **options,
    ):
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            jobs = 1  # one writer (SQLite), or rows other connections cannot see yet
        batch_size = max(1, batch_size)
        if rebuild_all:
            orders = SalesOrder.objects.filter(target_date__isnull=False)
        else:
            orders = stale_event_orders()
        pks = list(orders.order_by("pk").values_list("pk", flat=True))
        # Events of deleted orders, and of orders that lost their target date.
        orphans, _ = OrderCalendarEvent.objects.filter(
            ~Exists(SalesOrder.objects.filter(pk=OuterRef("order_id"), target_date__isnull=False))
        ).delete()
        stored = 0
        with tqdm(
            total=len(pks),
            unit="order",
            desc="Calendar events",
            disable=no_progress or not pks,
        ) as progress:
            batches = [pks[start : start + batch_size] for start in range(0, len(pks), batch_size)]
            if jobs == 1:
                for batch in batches:
                    stored += calendar_events_refresh(batch)
                    progress.update(len(batch))
            else:
                # Each process opens its own connection: none may inherit this one.
                connections.close_all()
                with multiprocessing.get_context("fork").Pool(jobs) as pool:
                    for count, size in pool.imap_unordered(_refresh, batches):
                        stored += count
                        progress.update(size)
        if options["verbosity"] < 1:
            return
        self.stdout.write(
            f"Stored {stored} calendar event(s); "
            f"{'rebuilt all' if rebuild_all else 'the others were up to date'}"
            + (f"; removed {orphans} orphaned." if orphans else ".")
        )


def _refresh(batch: list[int]) -> tuple[int, int]:
    """One batch in a worker process: (events stored, orders in the batch)."""
    return calendar_events_refresh(batch), len(batch)
