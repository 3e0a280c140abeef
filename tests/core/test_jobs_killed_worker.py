"""A worker killed in the middle of a job (kill -9), on PostgreSQL: the job stays "running"
until the reaper fails that attempt; the next worker runs it again, and it ends done, once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.models import IdempotencyKey, JobState
from core.tasks import job_enqueue, jobs_reap
from tests.core import jobs_for_tests as jobs
from tests.core.jobs_for_tests import make_due, run_jobs

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _worker_process() -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
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
            "doomed",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_job_whose_worker_was_killed_is_reaped_and_done_once():
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    job_id = job_enqueue(jobs.slow_record, "k")
    worker = _worker_process()
    try:
        _wait_for(lambda: IdempotencyKey.objects.filter(scope="jobstart").exists())
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    stuck = DBTaskResult.objects.get(id=job_id)
    assert stuck.status == TaskResultStatus.RUNNING  # nobody will finish it
    assert jobs_reap(timeout=timedelta(seconds=60)) == 0  # not past the timeout yet
    assert jobs_reap(timeout=timedelta(microseconds=1)) == 1
    make_due()
    run_jobs(worker_id="survivor")
    assert list(
        IdempotencyKey.objects.filter(scope="jobtest").values_list("key", "fingerprint")
    ) == [("k", "2")]
    state = JobState.objects.get(job_id=job_id)
    assert (state.status, state.attempts) == (JobState.Status.SUCCEEDED, 2)
    stuck.refresh_from_db()
    assert stuck.status == TaskResultStatus.FAILED
    assert stuck.exception_class_path == "core.tasks.WorkerLost"
