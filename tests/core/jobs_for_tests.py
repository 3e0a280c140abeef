"""Jobs the job tests enqueue (a task must be a module-level function)."""

from core.models import IdempotencyKey
from core.tasks import Attempt, PermanentJobError, TemporaryJobError, job

# The failures a test asks `flaky` for, by key: how many attempts fail before one succeeds.
FAILURES: dict[str, int] = {}
RUNS: list[tuple[str, int]] = []


@job(max_attempts=3)
def flaky(attempt: Attempt, key: str) -> int:
    """Fails its first FAILURES[key] attempts (temporarily), then succeeds."""
    RUNS.append((key, attempt.number))
    if attempt.number <= FAILURES.get(key, 0):
        raise TemporaryJobError(f"attempt {attempt.number} of {key} failed")
    return attempt.number


@job()
def refused(attempt: Attempt) -> None:
    raise PermanentJobError("The provider said no.")


@job()
def record(attempt: Attempt, key: str) -> None:
    """Writes one row per run: the race test counts them."""
    from django.utils import timezone

    IdempotencyKey.objects.create(
        scope="jobtest", key=key, fingerprint=str(attempt.number), created_at=timezone.now()
    )


def run_jobs(worker_id: str = "test-worker") -> None:
    """Run every job that is due now, in this process, as `manage.py db_worker --batch` does."""
    from unittest import mock

    from django.db import connection
    from django_tasks_db.management.commands import db_worker

    if connection.in_atomic_block:
        # Inside a test's transaction: the worker's close_old_connections() would close the
        # connection (PostgreSQL), and with it the test's transaction.
        with mock.patch.object(db_worker, "close_old_connections", lambda: None):
            return _worker(worker_id).run()
    return _worker(worker_id).run()


def _worker(worker_id: str):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def make_due() -> int:
    """The queued attempts waiting for their backoff become due now (the clock moved on)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


@job()
def slow_record(attempt: Attempt, key: str) -> None:
    """Marks that it started (committed at once), sleeps through its first attempt (the test
    kills the worker meanwhile), and records `key` once done."""
    import time

    from django.utils import timezone

    IdempotencyKey.objects.create(
        scope="jobstart", key=key, fingerprint=str(attempt.number), created_at=timezone.now()
    )
    if attempt.number == 1:
        time.sleep(120)
    IdempotencyKey.objects.create(
        scope="jobtest", key=key, fingerprint=str(attempt.number), created_at=timezone.now()
    )
