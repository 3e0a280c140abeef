"""A worker killed (kill -9) while the provider holds its push open, on PostgreSQL: the
reaper fails that attempt, another worker pushes again with the same idempotency key, and
the provider ends up with the invoice once; the sync ends Pushed."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from conftest import _user_in
from core.tasks import jobs_reap
from invoicing.models import InvoiceSync
from tests.accounting.fake_provider import FakeProvider, Planned, connect
from tests.core.jobs_for_tests import make_due
from tests.invoicing.test_sync import post_invoice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def worker_process(fake: FakeProvider, worker_id: str) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "ACCOUNTING_PROVIDER": fake.flavor,
        "ACCOUNTING_BASE_URL": fake.url,
        "ACCOUNTING_TOKEN_URL": f"{fake.url}/token",
        "ACCOUNTING_TENANT": fake.realm,
        "ACCOUNTING_TIMEOUT_SECONDS": "60",
        "ACCOUNTING_RATE_LIMIT_PER_MINUTE": "0",
    }
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


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait(timeout=10)


def test_a_push_whose_worker_was_killed_reaches_the_provider_once(settings):
    fake = FakeProvider("xero").start()
    held = threading.Event()
    try:
        connect(settings, fake, timeout=60)
        fake.plan(Planned(hold=held))  # kept at the provider, then no answer
        invoice = post_invoice(_user_in("Accounts", "alice"))
        sync = InvoiceSync.objects.get(invoice=invoice)
        doomed = worker_process(fake, "doomed")
        try:
            assert fake.arrived.wait(60), "the worker never called the provider"
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        finally:
            stop(doomed)
        sync.refresh_from_db()
        assert sync.status == InvoiceSync.Status.PENDING  # its transaction died with it
        (running,) = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        assert jobs_reap(timeout=timedelta(microseconds=1)) == 1
        make_due()
        survivor = worker_process(fake, "survivor")
        try:
            wait_for(lambda: InvoiceSync.objects.get(pk=sync.pk).is_pushed)
        finally:
            stop(survivor)
        sync.refresh_from_db()
        assert (sync.status, sync.external_number, sync.attempts) == (
            InvoiceSync.Status.PUSHED,
            invoice.number,
            2,
        )
        assert list(fake.invoices) == [sync.idempotency_key]
        assert [w["key"] for w in fake.writes()] == [sync.idempotency_key] * 2
    finally:
        held.set()
        fake.stop()
