"""Job workers under real concurrency (PostgreSQL): workers on separate connections claim
jobs with SELECT ... FOR UPDATE SKIP LOCKED, so no job runs twice and none is left."""

from collections import Counter

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core.models import IdempotencyKey
from core.tasks import job_enqueue
from tests.core import jobs_for_tests as jobs
from tests.shipping.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOBS = 60
WORKERS = 4


def test_workers_claiming_at_once_never_run_one_job_twice():
    with transaction.atomic():
        for n in range(JOBS):
            job_enqueue(jobs.record, f"job-{n}")
    results = run_together(
        [lambda i=i: jobs.run_jobs(worker_id=f"worker-{i}") for i in range(WORKERS)]
    )
    assert results == [None] * WORKERS
    runs = Counter(IdempotencyKey.objects.filter(scope="jobtest").values_list("key", flat=True))
    assert len(runs) == JOBS and set(runs.values()) == {1}
    claims = [len(ids) for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)]
    assert claims == [1] * JOBS
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    # More than one worker took part (the claims were spread, not serialised by one).
    workers = {ids[0] for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)}
    assert len(workers) > 1
