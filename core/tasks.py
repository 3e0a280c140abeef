"""Background jobs: Django's tasks framework (the django-tasks backport) with its database
backend (django-tasks-db), plus what it lacks: retries with backoff, a dead-letter state and a
reaper for jobs whose worker was killed.

Enqueue a job inside the transaction that causes it (`job_enqueue` or `my_job.enqueue(...)`):
the backend writes one row in that transaction, so a rollback leaves no job and a commit
leaves exactly one (a transactional outbox). `manage.py db_worker` claims rows with
SELECT ... FOR UPDATE SKIP LOCKED (on PostgreSQL) and runs them.

django-tasks runs a task once: an exception marks the row Failed and that is all. So a job
is declared with `@job(...)`, which wraps the function: a failed attempt (any exception but
PermanentJobError) enqueues the next attempt as a new task row with `run_after` set by
`backoff_delay`, and records it in a `core.JobState` row; after `max_attempts`, or at once
for PermanentJobError, the job is Dead. A TemporaryJobError may carry `retry_after` (an HTTP
Retry-After): the next attempt waits at least that long. A job that may not run yet (a
rate limit) raises JobDeferred(run_after): queued again then, not counted as an attempt.
The Jobs page (Managers) and the admin list them with Retry (`job_retry`). Jobs run at
least once: a job must be idempotent (check the state it would change, under a row lock,
before doing it; see core.emails).
"""

import functools
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskContext, task
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.exceptions import DomainError
from core.models import JobState


class TemporaryJobError(Exception):
    """The attempt failed for a reason that may pass (a 4xx SMTP answer, a timeout): retried.
    `retry_after` (seconds, e.g. an HTTP Retry-After) is the earliest the next attempt may
    run: the backoff is raised to it, never lowered."""

    def __init__(self, *args, retry_after: float | None = None):
        super().__init__(*args)
        self.retry_after = retry_after


class JobDeferred(Exception):  # noqa: N818 (not an error: the attempt did not happen)
    """The job may not run yet (a provider's rate-limit window is full): it is queued again
    to run at `run_after`, and this does not count as an attempt."""

    def __init__(self, run_after: datetime):
        super().__init__(f"deferred to {run_after:%Y-%m-%d %H:%M:%S}")
        self.run_after = run_after


class PermanentJobError(Exception):
    """The job cannot succeed by trying again (a 5xx SMTP answer, a deleted document): Dead
    at once, with this message shown on the Jobs page."""


class WorkerLost(Exception):
    """The attempt's worker stopped while it ran (killed, out of memory): found by the reaper."""


class JobStateError(DomainError):
    """A job was asked to do what its state does not allow (retry a job that succeeded)."""


@dataclass(frozen=True)
class Attempt:
    """Which attempt of its job a run is, passed to the job's function first."""

    number: int
    max_attempts: int

    @property
    def is_last(self) -> bool:
        return self.number >= self.max_attempts


@dataclass(frozen=True)
class JobDefinition:
    max_attempts: int | None
    on_failure: Callable[..., None] | None
    on_retry: Callable[..., None] | None

    def attempts_allowed(self) -> int:
        return self.max_attempts or settings.JOBS_MAX_ATTEMPTS


# A job's definition by its task path: filled when the job's module is imported, which
# importing the task path (the worker, the reaper) does. Derived from code, not state.
_DEFINITIONS: dict[str, JobDefinition] = {}


def job(
    *,
    max_attempts: int | None = None,
    on_failure: Callable[..., None] | None = None,
    on_retry: Callable[..., None] | None = None,
    priority: int = 0,
    queue_name: str = "default",
) -> Callable[[Callable[..., Any]], Task]:
    """Declare a background job: `@job()` over `def my_job(attempt: Attempt, *args)`.

    Arguments must be JSON values (ids, not model instances). `max_attempts` defaults to
    settings.JOBS_MAX_ATTEMPTS. `on_failure(message: str, dead: bool, *args, **kwargs)` runs in
    the transaction that records a failed attempt (the job's own status fields: "Failed"
    when dead); `on_retry(*args, **kwargs)` in the one that queues a manual Retry."""

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def run(context: TaskContext, *args, **kwargs):
            result_id = context.task_result.id
            state = JobState.objects.filter(current_result_id=result_id).first()
            definition = _DEFINITIONS[f"{func.__module__}.{func.__qualname__}"]
            attempt = Attempt(
                number=(state.attempts if state else 0) + 1,
                max_attempts=state.max_attempts if state else definition.attempts_allowed(),
            )
            try:
                value = func(attempt, *args, **kwargs)
            except JobDeferred as deferred:
                _defer(context.task_result, state, run_after=deferred.run_after)
                return str(deferred)
            except Exception as error:
                attempt_failed(
                    DBTaskResult.objects.get(id=result_id),
                    error=error,
                    permanent=isinstance(error, PermanentJobError),
                )
                raise
            if state is not None:
                now = timezone.now()
                with transaction.atomic():  # the task row too: the reaper never takes it now
                    JobState.objects.filter(pk=state.pk, current_result_id=result_id).update(
                        status=JobState.Status.SUCCEEDED,
                        attempts=attempt.number,
                        next_attempt_at=None,
                        updated_at=now,
                    )
                    DBTaskResult.objects.filter(id=result_id).update(
                        status=TaskResultStatus.SUCCESSFUL, finished_at=now
                    )
            return value

        del run.__wrapped__  # django-tasks reads the signature: `context` comes first
        _DEFINITIONS[f"{func.__module__}.{func.__qualname__}"] = JobDefinition(
            max_attempts=max_attempts, on_failure=on_failure, on_retry=on_retry
        )
        return task(priority=priority, queue_name=queue_name, takes_context=True)(run)

    return decorate


def job_enqueue(job_task: Task, *args, run_after: datetime | None = None, **kwargs) -> str:
    """Queue `job_task(*args, **kwargs)` in the caller's transaction (one INSERT); returns the
    job's id. Call it inside the service's `transaction.atomic`, never in on_commit: the job
    row then commits or rolls back with the change."""
    if run_after is not None:
        job_task = job_task.using(run_after=run_after)
    return job_task.enqueue(*args, **kwargs).id


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, ...): exponential,
    JOBS_BACKOFF_SECONDS * 2**(attempt-1), capped at JOBS_BACKOFF_MAX_SECONDS, with "equal
    jitter" (a random point in its upper half), so workers that failed together (an outage)
    do not all come back in the same second, and every wait is still at least half the step."""
    step = min(
        settings.JOBS_BACKOFF_MAX_SECONDS,
        settings.JOBS_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0),
    )
    rng = rng or random
    return timedelta(seconds=step / 2 + rng.uniform(0, step / 2))


def attempt_failed(result: DBTaskResult, *, error: BaseException, permanent: bool) -> JobState:
    """Record that the attempt `result` failed with `error`: queue the next attempt after the
    backoff, or mark the job Dead (after its last attempt, or at once when `permanent`).
    Locks the job's JobState row; runs the job's on_failure in the same transaction.

    The task row is marked Failed in the same transaction (the worker marks it again after),
    so a worker killed just after this leaves no "running" row for the reaper to retry twice.
    An attempt of a job already decided (Dead, or Succeeded) changes nothing more."""
    error_text = "".join(traceback.format_exception(error)).strip()
    definition = _definition_of(result.task_path)
    with transaction.atomic():
        DBTaskResult.objects.filter(id=result.id).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{type(error).__module__}.{type(error).__qualname__}",
            traceback=error_text,
        )
        state = JobState.objects.select_for_update().filter(current_result_id=result.id).first()
        if state is not None and state.status != JobState.Status.RETRYING:
            return state
        if state is None:
            state = JobState(
                job_id=result.id,
                current_result_id=result.id,
                task_path=result.task_path,
                args_kwargs=result.args_kwargs,
                queue_name=result.queue_name,
                max_attempts=definition.attempts_allowed(),
                first_enqueued_at=result.enqueued_at,
            )
        state.attempts += 1
        state.last_error = error_text
        dead = permanent or state.attempts >= state.max_attempts
        args, kwargs = result.args_kwargs["args"], result.args_kwargs["kwargs"]
        if dead:
            state.status, state.next_attempt_at = JobState.Status.DEAD, None
        else:
            state.status = JobState.Status.RETRYING
            delay = backoff_delay(state.attempts)
            if getattr(error, "retry_after", None):
                delay = max(delay, timedelta(seconds=error.retry_after))
            state.next_attempt_at = timezone.now() + delay
            state.current_result_id = _requeue(state, run_after=state.next_attempt_at)
        state.save()
        if definition.on_failure is not None:
            definition.on_failure(str(error) or type(error).__name__, dead, *args, **kwargs)
    return state


@transaction.atomic
def job_retry(*, state: JobState, user) -> JobState:
    """Run a failed job again now (Managers' Retry): a Dead job gets a new attempt (and a
    fresh allowance of attempts after it), a Retrying one runs now instead of at its next
    attempt time. Locks the JobState row; runs the job's on_retry in the same transaction.

    Raises JobStateError when the job has since succeeded."""
    state = JobState.objects.select_for_update().get(pk=state.pk)
    if not state.can_retry():
        raise JobStateError(f"Job {state} already succeeded: there is nothing to retry.")
    now = timezone.now()
    definition = _definition_of(state.task_path)
    current = DBTaskResult.objects.select_for_update().filter(id=state.current_result_id).first()
    if current is not None and current.status == TaskResultStatus.READY:
        current.run_after = now
        current.save(update_fields=["run_after"])
    elif current is None or current.status != TaskResultStatus.RUNNING:
        state.current_result_id = _requeue(state, run_after=None)
        state.max_attempts = state.attempts + definition.attempts_allowed()
    state.status, state.next_attempt_at, state.retried_by = JobState.Status.RETRYING, now, user
    state.save()
    if definition.on_retry is not None:
        definition.on_retry(*state.args_kwargs["args"], **state.args_kwargs["kwargs"])
    return state


def jobs_reap(*, timeout: timedelta | None = None) -> int:
    """Fail the attempts "running" for longer than `timeout` (JOBS_RUNNING_TIMEOUT_SECONDS):
    their worker was killed. Each counts as a failed attempt, so the job is queued again after
    the backoff (or Dead after its last). Returns how many. Locks the stuck task rows (SKIP
    LOCKED: two reapers never take the same row)."""
    timeout = timeout or timedelta(seconds=settings.JOBS_RUNNING_TIMEOUT_SECONDS)
    cutoff = timezone.now() - timeout
    reaped = 0
    with transaction.atomic():
        stuck = (
            DBTaskResult.objects.running()
            .filter(started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .order_by("started_at")
        )
        for result in stuck:
            lost = WorkerLost(
                f"Worker {result.worker_ids[-1] if result.worker_ids else '?'} stopped: "
                f"running since {result.started_at:%Y-%m-%d %H:%M:%S} (over {timeout})."
            )
            attempt_failed(result, error=lost, permanent=False)
            reaped += 1
    return reaped


def _defer(result, state: JobState | None, *, run_after: datetime) -> None:
    """Queue the same call again at `run_after` as a new task row (the current one ends
    Successful: it did nothing); a job with a JobState keeps it, pointed at the new row."""
    with transaction.atomic():
        new_id = job_enqueue(result.task, *result.args, run_after=run_after, **result.kwargs)
        if state is not None:
            JobState.objects.filter(pk=state.pk, current_result_id=result.id).update(
                current_result_id=new_id, next_attempt_at=run_after, updated_at=timezone.now()
            )


def _requeue(state: JobState, *, run_after: datetime | None) -> Any:
    job_task = import_string(state.task_path).using(queue_name=state.queue_name)
    args, kwargs = state.args_kwargs["args"], state.args_kwargs["kwargs"]
    return job_enqueue(job_task, *args, run_after=run_after, **kwargs)


def _definition_of(task_path: str) -> JobDefinition:
    if task_path not in _DEFINITIONS:
        import_string(task_path)  # a plain @task, or its module not imported yet
    return _DEFINITIONS.get(task_path, JobDefinition(None, None, None))
