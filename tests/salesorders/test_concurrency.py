"""Two processes numbering orders at the same moment never collide (PostgreSQL)."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection

from salesorders.models import SalesOrder
from tests.factories import CustomerFactory

ROOT = Path(__file__).resolve().parents[2]
WORKER = textwrap.dedent(
    """
    import os, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from customers.models import Customer
    from salesorders import services
    customer = Customer.objects.get(pk=int(sys.argv[1]))
    go, ready = sys.argv[2], sys.argv[4]
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
    for _ in range(int(sys.argv[3])):
        print(services.salesorder_create(customer=customer, user=None).reference, flush=True)
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_creating_orders_at_once_get_distinct_references(tmp_path):
    customer = CustomerFactory()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "CONN_MAX_AGE": "0"}
    go = tmp_path / "go"
    per_process = 25
    readies = [tmp_path / f"ready-{n}" for n in range(2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(customer.pk), str(go), str(per_process), str(ready)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    # Both have imported Django and are waiting (a ready file each): no fixed sleep.
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready in readies):
        assert all(worker.poll() is None for worker in workers), [w.communicate() for w in workers]
        assert time.monotonic() < deadline, "the workers never got ready"
        time.sleep(0.01)
    go.touch()
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    references = [line for out, _err in outputs for line in out.split()]
    assert len(references) == 2 * per_process
    assert len(set(references)) == len(references)
    assert sorted(references) == [f"SO-{n:04d}" for n in range(1, 2 * per_process + 1)]
    assert SalesOrder.objects.count() == 2 * per_process
