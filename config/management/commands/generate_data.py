"""Fill a database with a large, consistent data set for benchmarks (see bench/generate).

python manage.py generate_data --customers 2000 --parts 5000 --orders 100000 --lines 10 --seed 1
"""

import os
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bench.generate import generate, refuse_unless_empty


class Command(BaseCommand):
    help = (
        "Generate a large, consistent data set (customers, parts, stock, orders in every state, "
        "shipments, allocations) with bulk inserts, for benchmarks. Refuses a database that "
        "holds other data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--parts", type=int, default=5000)
        parser.add_argument("--orders", type=int, default=100_000)
        parser.add_argument("--lines", type=int, default=10, help="Mean lines per order.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--large-orders", type=int, default=3, help="Orders of 1,000 lines (default 3)."
        )
        parser.add_argument(
            "--open-share",
            type=float,
            default=0.10,
            help="Share of orders still open (pending, issued, on hold); default 0.10.",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows per INSERT.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add to a database that already holds other (or earlier generated) data.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")
        parser.add_argument(
            "--no-copy",
            action="store_true",
            help="On PostgreSQL, insert with bulk_create instead of COPY.",
        )

    def handle(self, *args, **options):
        for name in ("customers", "parts", "orders", "lines"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if not options["force"]:
            refuse_unless_empty()
        progress = not options["no_progress"] and options["verbosity"] > 0
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Nothing waits on this commit but the command: no need to wait for the WAL
                # flush (a crash loses the run, which is then rerun, never half of it).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            run = generate(
                customers=options["customers"],
                parts=options["parts"],
                orders=options["orders"],
                lines=options["lines"],
                seed=options["seed"],
                large_orders=options["large_orders"],
                open_share=options["open_share"],
                batch_size=options["batch_size"],
                use_copy=not options["no_copy"],
                progress=progress,
            )
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner plans for the empty tables it last saw; VACUUM
            # sets the visibility map so counts can be answered from indexes alone (it cannot
            # run inside a transaction, as when a test calls this command).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        # Orders changed through the app get their calendar event stored when the change
        # commits; bulk-inserted ones need it done once, as after any bulk import: one process
        # per CPU (on PostgreSQL), a quarter of the run at 300,000 orders on one.
        call_command(
            "warm_calendar",
            no_progress=not progress,
            verbosity=options["verbosity"],
            jobs=os.cpu_count() or 1,
        )
        elapsed = time.monotonic() - started
        written = ", ".join(
            f"{count:,} {model._meta.verbose_name_plural}"
            for model, count in run.writer.written.items()
            if count
        )
        self.stdout.write(
            self.style.SUCCESS(f"Generated in {elapsed:.0f} s: {written}.")
            + "\nOrders by status: "
            + ", ".join(f"{k}: {v:,}" for k, v in sorted(run.counts.items()))
            + f"\nLast reference number: {run.last_reference_number}."
        )
