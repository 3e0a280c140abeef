"""The email job under real concurrency (PostgreSQL): two attempts of one message running at
once (a worker the reaper gave up on that was only slow, and its retry) send it once: the
second waits for the first's row lock, then finds it Sent."""

import pytest
from django_tasks_db.models import DBTaskResult

from core.emails import send_document_email
from core.models import EmailMessageLog
from core.tasks import job_enqueue
from salesorders.services import salesorder_confirmation_send
from tests.core.jobs_for_tests import run_jobs
from tests.core.test_emails import smtp  # noqa: F401 - the fixture
from tests.factories import SalesOrderFactory
from tests.shipping.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_attempts_of_one_message_at_once_send_it_once(smtp):  # noqa: F811
    order = SalesOrderFactory(customer__email="office@customer.test")
    log = salesorder_confirmation_send(order=order, request_token="once", user=None)
    job_enqueue(send_document_email, log.pk)  # the duplicate attempt
    results = run_together([lambda i=i: run_jobs(worker_id=f"w{i}") for i in range(2)])
    assert results == [None, None]
    assert len(smtp.received) == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "already sent",
        "sent",
    ]
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.SENT
