"""Pushing invoices to an accounting provider with several workers: throughput, duplicates,
lost pushes.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb \\
        python -m bench.sync_push --invoices 1000 --workers 4

Makes a fresh database `<mydb>_syncbench` on that server (dropped first), migrates it, starts
the fake Xero of tests/accounting (real HTTP on 127.0.0.1) in this process, posts
`--invoices` invoices through invoicing.services (each queues its push), then starts
`--workers` `manage.py db_worker` processes and times until every push is Pushed. The fake
answers 1 write in 20 with a 500 and 1 in 50 too late (after the client's timeout, having kept
the invoice), so retries happen; a retry sends the same idempotency key. Reports pushes per
second, how many invoices the provider holds per number (duplicates) and pushes that never
arrived (lost).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--limit-seconds", type=int, default=900)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... (the bench makes its own database there).")
    url = urlparse(base)
    name = f"{url.path.lstrip('/')}_syncbench"
    bench_url = urlunparse(url._replace(path=f"/{name}"))
    _fresh_database(url, name)

    sys.path.insert(0, str(ROOT))
    from tests.accounting.fake_provider import FakeProvider, Planned

    fake = FakeProvider("xero").start()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACCOUNTING_PROVIDER": "xero",
        "ACCOUNTING_BASE_URL": fake.url,
        "ACCOUNTING_TOKEN_URL": f"{fake.url}/token",
        "ACCOUNTING_TENANT": fake.realm,
        "ACCOUNTING_TIMEOUT_SECONDS": "2",
        "ACCOUNTING_RATE_LIMIT_PER_MINUTE": "0",
        "JOBS_BACKOFF_SECONDS": "1",
        "JOBS_BACKOFF_MAX_SECONDS": "4",
        "INVOICE_EMAIL_ON_POST": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    from accounting.models import ProviderToken
    from invoicing.models import InvoiceSync

    ProviderToken.objects.create(
        provider="xero", access_token=fake.access_token, refresh_token=fake.refresh_token
    )
    started = time.monotonic()
    _post_invoices(args.invoices)
    print(f"posted {args.invoices} invoices in {time.monotonic() - started:.1f} s", flush=True)
    faults = []
    for index in range(1, args.invoices * 2):
        if index % 50 == 0:
            faults.append(Planned(delay=3))  # kept, answered after the 2 s timeout
        elif index % 20 == 0:
            faults.append(Planned(status=500, body={"Message": "An error occurred"}))
        else:
            faults.append(Planned())
    fake.plan(*faults)

    workers = [_worker(env, f"bench-{n}") for n in range(args.workers)]
    started = time.monotonic()
    try:
        while InvoiceSync.objects.exclude(status="pushed").exists():
            if time.monotonic() - started > args.limit_seconds:
                print("time limit reached", flush=True)
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    pushed = InvoiceSync.objects.filter(status="pushed").count()
    numbers = list(InvoiceSync.objects.values_list("invoice__number", flat=True))
    held = [invoice["number"] for invoice in fake.invoices.values()]
    duplicates = len(held) - len(set(held))
    lost = len(set(numbers) - set(held))
    stamps = [write["at"] for write in fake.writes()]
    active = max(stamps) - min(stamps) if len(stamps) > 1 else elapsed
    writes = len(stamps)
    attempts = sum(InvoiceSync.objects.values_list("attempts", flat=True))
    print(
        f"{args.workers} workers, {args.invoices} invoices: {pushed} pushed in {elapsed:.1f} s "
        f"= {pushed / elapsed:.1f} pushes/s with the workers' start-up, {pushed / active:.1f} "
        f"pushes/s from the first write to the last; {writes} provider writes, {attempts} "
        "attempts; "
        f"provider holds {len(held)} invoices, duplicates {duplicates}, lost {lost}",
        flush=True,
    )
    fake.stop()


def _fresh_database(url, name: str) -> None:
    import psycopg

    admin = urlunparse(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _post_invoices(count: int) -> None:
    """One order of `count` units, shipped; then `count` invoices of one unit each, posted
    (each posting queues its push)."""
    from django.contrib.auth import get_user_model

    from invoicing import services
    from tests.invoicing.helpers import make_order, ship

    user = get_user_model().objects.create_user("bench-clerk")
    order = make_order(user, [(str(count), "12.5000")])
    ship(order, user)
    line = order.lines.get()
    for _ in range(count):
        invoice = services.invoice_create_from_order(
            order=order, user=user, quantities={line.pk: 1}
        )
        services.invoice_post(invoice=invoice, user=user)


def _worker(env: dict, worker_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--worker-id",
            worker_id,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    main()
