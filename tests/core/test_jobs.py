"""Background jobs (core.tasks): the outbox, retries with backoff, the dead letter, the reaper,
and the Jobs page."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.models import JobState
from core.tasks import (
    TemporaryJobError,
    attempt_failed,
    backoff_delay,
    job_enqueue,
    job_retry,
    jobs_reap,
)
from tests.core import jobs_for_tests as jobs
from tests.core.jobs_for_tests import make_due, run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_runs():
    jobs.FAILURES.clear()
    jobs.RUNS.clear()


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_in_a_rolled_back_transaction_is_not_left_behind():
    with pytest.raises(Rollback), transaction.atomic():
        job_enqueue(jobs.record, "lost")
        assert DBTaskResult.objects.count() == 1
        raise Rollback
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_in_a_committed_transaction_is_queued_once():
    with transaction.atomic():
        job_id = job_enqueue(jobs.record, "kept")
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["READY"]
    run_jobs()
    assert DBTaskResult.objects.get(id=job_id).status == TaskResultStatus.SUCCESSFUL


def test_enqueueing_costs_one_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        job_enqueue(jobs.record, "one")


def test_backoff_doubles_each_attempt_with_jitter_up_to_the_cap(settings):
    settings.JOBS_BACKOFF_SECONDS = 30
    settings.JOBS_BACKOFF_MAX_SECONDS = 3600
    rng = random.Random(18)
    for attempt, step in [(1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3600), (20, 3600)]:
        delays = [backoff_delay(attempt, rng=rng).total_seconds() for _ in range(200)]
        assert min(delays) >= step / 2
        assert max(delays) <= step
        assert max(delays) - min(delays) > step / 4  # jittered, not one value


def test_a_failed_attempt_is_retried_after_the_backoff_until_it_succeeds(settings):
    settings.JOBS_BACKOFF_SECONDS = 60
    jobs.FAILURES["k"] = 2
    job_id = job_enqueue(jobs.flaky, "k")
    run_jobs()
    state = JobState.objects.get(job_id=job_id)
    assert (state.status, state.attempts) == (JobState.Status.RETRYING, 1)
    assert "attempt 1 of k failed" in state.last_error
    wait = (state.next_attempt_at - timezone.now()).total_seconds()
    assert 25 <= wait <= 60
    run_jobs()  # not due yet: nothing runs
    assert jobs.RUNS == [("k", 1)]
    make_due()
    run_jobs()
    make_due()
    run_jobs()
    assert jobs.RUNS == [("k", 1), ("k", 2), ("k", 3)]
    state.refresh_from_db()
    assert (state.status, state.attempts) == (JobState.Status.SUCCEEDED, 3)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 2
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1


def test_a_job_failing_every_attempt_is_dead_after_its_maximum():
    jobs.FAILURES["k"] = 99
    job_id = job_enqueue(jobs.flaky, "k")  # max_attempts=3
    for _ in range(5):
        make_due()
        run_jobs()
    assert jobs.RUNS == [("k", 1), ("k", 2), ("k", 3)]
    state = JobState.objects.get(job_id=job_id)
    assert (state.status, state.attempts, state.next_attempt_at) == (JobState.Status.DEAD, 3, None)
    assert not DBTaskResult.objects.ready().exists()


def test_a_permanent_error_is_dead_at_once_without_retry():
    job_id = job_enqueue(jobs.refused)
    run_jobs()
    state = JobState.objects.get(job_id=job_id)
    assert (state.status, state.attempts) == (JobState.Status.DEAD, 1)
    assert state.error_summary == "core.tasks.PermanentJobError: The provider said no."
    assert DBTaskResult.objects.count() == 1


def test_retry_of_a_dead_job_runs_it_again_with_a_fresh_allowance(manager_user):
    jobs.FAILURES["k"] = 3
    job_id = job_enqueue(jobs.flaky, "k")
    for _ in range(3):
        make_due()
        run_jobs()
    state = JobState.objects.get(job_id=job_id)
    assert state.status == JobState.Status.DEAD
    job_retry(state=state, user=manager_user)
    run_jobs()
    state.refresh_from_db()
    assert (state.status, state.attempts) == (JobState.Status.SUCCEEDED, 4)
    assert state.retried_by == manager_user


def test_retry_of_a_job_that_succeeded_is_refused(manager_user):
    jobs.FAILURES["k"] = 1
    job_id = job_enqueue(jobs.flaky, "k")
    run_jobs()
    make_due()
    run_jobs()
    state = JobState.objects.get(job_id=job_id)
    with pytest.raises(Exception, match="already succeeded: there is nothing to retry"):
        job_retry(state=state, user=manager_user)


def _start_and_abandon(key: str) -> DBTaskResult:
    """A worker claims the job, then is killed (kill -9) before it finishes."""
    job_enqueue(jobs.flaky, key)
    result = DBTaskResult.objects.ready().get()
    result.claim("killed-worker")
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - timedelta(hours=1))
    return result


def test_the_reaper_returns_a_job_stuck_running_past_the_timeout_to_the_queue(settings):
    settings.JOBS_RUNNING_TIMEOUT_SECONDS = 600
    stuck = _start_and_abandon("k")
    job_enqueue(jobs.flaky, "fresh")
    DBTaskResult.objects.filter(task_path__endswith="flaky").exclude(pk=stuck.pk).update(
        status="RUNNING", started_at=timezone.now()
    )  # another job running for a second: left alone
    assert jobs_reap() == 1
    stuck.refresh_from_db()
    assert stuck.status == TaskResultStatus.FAILED
    assert "WorkerLost" in stuck.exception_class_path
    state = JobState.objects.get(job_id=stuck.id)
    assert (state.status, state.attempts) == (JobState.Status.RETRYING, 1)
    assert "killed-worker stopped" in state.last_error
    make_due()
    run_jobs()
    assert jobs.RUNS == [("k", 2)]
    state.refresh_from_db()
    assert state.status == JobState.Status.SUCCEEDED


def test_the_reaper_command_reports_what_it_did(capsys):
    from django.core.management import call_command

    _start_and_abandon("k")
    call_command("reap_jobs", "--timeout", "60")
    assert "1 stuck job(s) returned to the queue." in capsys.readouterr().out


# --- the Jobs page -------------------------------------------------------------------------


def _dead_job() -> JobState:
    job_id = job_enqueue(jobs.refused)
    run_jobs()
    return JobState.objects.get(job_id=job_id)


def test_jobs_page_lists_failed_jobs_with_error_attempts_and_retry(manager_client):
    _dead_job()
    response = manager_client.get(reverse("job-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "refused" in page and "Dead" in page and "1 of 8" in page
    assert "The provider said no." in page
    assert ">Retry</button>" in page


@pytest.mark.parametrize("who", ["sales_client", "warehouse_client"])
def test_jobs_page_and_retry_are_refused_to_all_but_managers(request, who):
    state = _dead_job()
    client = request.getfixturevalue(who)
    assert client.get(reverse("job-list")).status_code == 403
    assert client.post(reverse("job-retry", args=[state.pk])).status_code == 403
    state.refresh_from_db()
    assert state.status == JobState.Status.DEAD


def test_retry_button_queues_the_job_again(manager_client):
    state = _dead_job()
    response = manager_client.post(reverse("job-retry", args=[state.pk]), follow=True)
    assert "queued to run again now" in response.content.decode()
    state.refresh_from_db()
    assert state.status == JobState.Status.RETRYING
    assert DBTaskResult.objects.ready().count() == 1


def test_retry_is_post_only(manager_client):
    state = _dead_job()
    assert manager_client.get(reverse("job-retry", args=[state.pk])).status_code == 405


def test_jobs_page_costs_the_same_queries_for_one_or_many_jobs(
    manager_client, django_assert_max_num_queries
):
    for _ in range(15):
        _dead_job()
    with django_assert_max_num_queries(12):
        assert manager_client.get(reverse("job-list")).status_code == 200


def test_admin_lists_failed_jobs_and_retries_them(manager_client):
    state = _dead_job()
    url = reverse("admin:core_jobstate_changelist")
    assert "The provider said no." in manager_client.get(url).content.decode()
    manager_client.post(url, {"action": "retry", "_selected_action": [state.pk]})
    state.refresh_from_db()
    assert state.status == JobState.Status.RETRYING


def test_retry_works_after_the_finished_task_rows_were_pruned(manager_user):
    jobs.FAILURES["k"] = 3
    job_id = job_enqueue(jobs.flaky, "k")
    for _ in range(3):
        make_due()
        run_jobs()
    DBTaskResult.objects.all().delete()  # manage.py prune_db_task_results
    state = JobState.objects.get(job_id=job_id)
    job_retry(state=state, user=manager_user)
    run_jobs()
    state.refresh_from_db()
    assert state.status == JobState.Status.SUCCEEDED


def test_a_worker_killed_after_recording_a_failure_leaves_nothing_to_reap():
    """The failure and the next attempt are recorded with the task row marked Failed in one
    transaction: a worker that dies right after leaves no "running" row to retry twice."""
    stuck = _start_and_abandon("k")
    attempt_failed(stuck, error=TemporaryJobError("451 later"), permanent=False)
    assert jobs_reap(timeout=timedelta(microseconds=1)) == 0
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # only the retry
