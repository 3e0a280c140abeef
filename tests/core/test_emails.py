"""Document emails (core.emails) through a real SMTP server started by the test: one job per
message, retried on a temporary refusal (4xx), failed on a permanent one (5xx), never sent
twice for one request. Driven by the order confirmation, the first document that uses it."""

import uuid
from email.header import decode_header, make_header

import pytest
from django_tasks_db.models import DBTaskResult

from core.emails import send_document_email
from core.models import EmailMessageLog, JobState
from core.tasks import job_enqueue, job_retry
from salesorders.services import salesorder_confirmation_send
from tests.core.jobs_for_tests import make_due, run_jobs
from tests.core.smtp_server import SmtpServer, free_port
from tests.factories import ContactFactory, SalesOrderFactory, SalesOrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        settings.DEFAULT_FROM_EMAIL = "Northwind Supply <orders@northwind.test>"
        yield server


@pytest.fixture
def order():
    order = SalesOrderFactory()
    order.contact = ContactFactory(
        customer=order.customer, name="Ada Buyer", email="ada@buyer.test"
    )
    order.save(update_fields=["contact"])
    SalesOrderLineFactory(order=order)
    return order


def _send(order, user=None, token=None) -> EmailMessageLog:
    return salesorder_confirmation_send(
        order=order, request_token=token or uuid.uuid4().hex, user=user
    )


def test_order_confirmation_arrives_once_with_text_and_html(smtp, order):
    log = _send(order)
    assert log.status == EmailMessageLog.Status.QUEUED
    run_jobs()
    assert len(smtp.received) == 1
    message = smtp.received[0]
    assert message["To"] == "ada@buyer.test"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"Order confirmation {order.reference} · Northwind Supply"
    assert message["Message-ID"] == f"<{log.request_token}.{log.pk}@northwind.test>"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    assert "Dear Ada Buyer" in parts["text/plain"] and order.reference in parts["text/plain"]
    assert f"<strong>{order.reference}</strong>" in parts["text/html"]
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.SENT
    assert log.emailed_at is not None and log.error == ""


def test_a_temporary_refusal_is_retried_and_the_message_arrives_once(smtp, order):
    smtp.refuse_next("451 4.7.1 Greylisted, try again later")
    log = _send(order)
    run_jobs()
    assert smtp.received == []
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.QUEUED
    assert "451" in log.error and "Greylisted" in log.error
    state = JobState.objects.get()
    assert (state.status, state.attempts) == (JobState.Status.RETRYING, 1)
    make_due()
    run_jobs()
    make_due()
    run_jobs()  # nothing more to do
    assert len(smtp.received) == 1
    log.refresh_from_db()
    assert (log.status, log.error) == (EmailMessageLog.Status.SENT, "")
    state.refresh_from_db()
    assert state.status == JobState.Status.SUCCEEDED


def test_a_permanent_refusal_fails_the_message_without_retrying(smtp, order):
    smtp.refuse_next("550 5.1.1 No such mailbox")
    log = _send(order)
    run_jobs()
    make_due()
    run_jobs()
    assert smtp.received == []
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.FAILED
    assert log.error == "The mail server refused: 550 5.1.1 No such mailbox"
    assert JobState.objects.get().status == JobState.Status.DEAD
    assert DBTaskResult.objects.count() == 1  # one attempt, no retry


def test_a_message_refused_for_now_at_every_attempt_fails_after_the_last(smtp, order, settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    smtp.refuse_next(*["421 4.3.2 Service shutting down"] * 5)
    log = _send(order)
    for _ in range(5):
        make_due()
        run_jobs()
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.FAILED
    assert "421" in log.error
    assert DBTaskResult.objects.count() == 3


def test_an_unreachable_server_is_a_temporary_failure(settings, order):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        free_port(),
        False,
    )
    log = _send(order)
    run_jobs()
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.QUEUED
    assert "could not be reached" in log.error
    assert JobState.objects.get().status == JobState.Status.RETRYING


def test_the_same_request_twice_queues_one_message(smtp, order):
    first = _send(order, token="t" * 32)
    second = _send(order, token="t" * 32)
    assert first.pk == second.pk
    assert EmailMessageLog.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    run_jobs()
    assert len(smtp.received) == 1


def test_a_job_run_again_for_a_message_already_sent_sends_nothing(smtp, order):
    log = _send(order)
    run_jobs()
    job_enqueue(send_document_email, log.pk)  # a duplicate attempt (a reaped, slow worker)
    run_jobs()
    assert len(smtp.received) == 1
    assert DBTaskResult.objects.filter(return_value="already sent").count() == 1


def test_retry_of_a_failed_message_queues_it_and_it_is_sent(smtp, order, manager_user):
    smtp.refuse_next("554 5.7.1 Relay access denied")
    log = _send(order)
    run_jobs()
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.FAILED
    job_retry(state=JobState.objects.get(), user=manager_user)
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.QUEUED
    run_jobs()
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.SENT
    assert len(smtp.received) == 1


def test_a_renderer_path_not_marked_as_renderer_is_refused(smtp, order):
    log = _send(order)
    EmailMessageLog.objects.filter(pk=log.pk).update(renderer="os.system")
    run_jobs()
    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.FAILED
    assert log.error == "os.system is not a document email renderer."
    assert smtp.received == []
