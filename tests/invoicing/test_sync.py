"""Posted invoices, voids and payments pushed to the accounting provider by background jobs
(invoicing.sync), against a fake Xero over real HTTP: what the sync row says after each of
the provider's answers, that retries wait for Retry-After and the backoff, and that no
retry makes a second invoice at the provider."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config.roles import sync_role_groups
from core.models import JobState
from invoicing import services
from invoicing.models import InvoiceSync
from invoicing.sync import sync_retry
from tests.accounting.fake_provider import FakeProvider, Planned, connect, xero_validation_error
from tests.core.jobs_for_tests import make_due, run_jobs
from tests.factories import UserFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
Status = InvoiceSync.Status


@pytest.fixture
def clerk(db):
    from django.apps import apps

    sync_role_groups(apps)
    user = UserFactory(username="acc")
    user.groups.add(Group.objects.get(name="Accounts"))
    return user


@pytest.fixture(params=["xero"])
def fake(request, settings):
    fake = FakeProvider(request.param).start()
    connect(settings, fake, timeout=1)
    yield fake
    fake.stop()


def post_invoice(user):
    order = make_order(user, [("10", "9.9900"), ("2", "5.0000")])
    ship(order, user)
    invoice = services.invoice_create_from_order(order=order, user=user)
    return services.invoice_post(invoice=invoice, user=user)


def the_sync(invoice, action=InvoiceSync.Action.POST) -> InvoiceSync:
    return InvoiceSync.objects.get(invoice=invoice, action=action)


def queued():
    """The push jobs waiting to run (posting also queues its PDF's archiving)."""
    return DBTaskResult.objects.filter(status="READY", task_path__endswith="push_to_provider")


@pytest.mark.parametrize("fake", ["xero", "quickbooks"], indirect=True)
def test_posting_pushes_the_invoice_and_records_the_providers_id_and_number(clerk, fake):
    invoice = post_invoice(clerk)
    sync = the_sync(invoice)
    assert (sync.status, sync.provider, sync.external_id) == (Status.PENDING, fake.flavor, "")
    assert queued().count() == 1
    run_jobs()
    sync.refresh_from_db()
    assert (sync.status, sync.external_id, sync.external_number) == (
        Status.PUSHED,
        "101",
        invoice.number,
    )
    assert sync.pushed_at is not None and sync.attempts == 1 and sync.last_error == ""
    (held,) = fake.invoices.values()
    assert held["key"] == sync.idempotency_key and held["number"] == invoice.number
    lines = held["body"]["LineItems"] if fake.flavor == "xero" else held["body"]["Line"]
    assert len(lines) == 2


def test_posting_in_a_rolled_back_transaction_queues_nothing(clerk, fake):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    before = DBTaskResult.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invoice_post(invoice=invoice, user=clerk)
        assert InvoiceSync.objects.count() == 1
        raise RuntimeError("the request failed after posting")
    assert InvoiceSync.objects.count() == 0
    assert DBTaskResult.objects.count() == before
    run_jobs()
    assert fake.requests == []


def test_nothing_is_queued_when_no_provider_is_connected(clerk, settings):
    settings.ACCOUNTING_PROVIDER = ""
    post_invoice(clerk)
    assert InvoiceSync.objects.count() == 0
    assert not queued().filter(task_path__startswith="invoicing.sync").exists()


def test_a_validation_error_fails_the_push_with_the_providers_message_and_no_retry(clerk, fake):
    fake.plan(Planned(status=400, body=xero_validation_error("Account code '200' is archived.")))
    invoice = post_invoice(clerk)
    run_jobs()
    sync = the_sync(invoice)
    assert sync.status == Status.FAILED
    assert "Account code '200' is archived." in sync.last_error
    assert sync.next_attempt_at is None
    assert not queued().exists()
    make_due()
    run_jobs()
    assert len(fake.writes()) == 1


def test_an_expired_token_is_refreshed_once_and_the_push_goes_through(clerk, fake):
    fake.expire_token()
    invoice = post_invoice(clerk)
    run_jobs()
    assert the_sync(invoice).status == Status.PUSHED
    assert fake.refreshes == 1
    assert len(fake.invoices) == 1


def test_429_is_retried_no_earlier_than_retry_after(clerk, fake, settings):
    settings.JOBS_BACKOFF_SECONDS = 1
    fake.plan(Planned(status=429, headers={"Retry-After": "600"}, body={}))
    invoice = post_invoice(clerk)
    started = timezone.now()
    run_jobs()
    sync = the_sync(invoice)
    assert sync.status == Status.PENDING and "429" in sync.last_error
    assert sync.next_attempt_at >= started + timedelta(seconds=600)
    (retry,) = queued()
    assert retry.run_after >= started + timedelta(seconds=600)
    run_jobs()  # not due yet: nothing is sent
    assert len(fake.writes()) == 1
    make_due()
    run_jobs()
    sync.refresh_from_db()
    assert (sync.status, sync.attempts) == (Status.PUSHED, 2)


def test_a_server_error_is_retried_after_the_backoff(clerk, fake):
    fake.plan(Planned(status=500, body={"Message": "An error occurred"}))
    invoice = post_invoice(clerk)
    run_jobs()
    sync = the_sync(invoice)
    assert sync.status == Status.PENDING and "500" in sync.last_error
    assert sync.next_attempt_at > timezone.now()
    make_due()
    run_jobs()
    sync.refresh_from_db()
    assert (sync.status, sync.attempts, sync.last_error) == (Status.PUSHED, 2, "")


def test_a_timeout_is_retried_and_the_provider_still_holds_one_invoice(clerk, fake):
    """The first call went through at the provider but its answer came too late; the retry
    sends the same idempotency key and gets that invoice back."""
    fake.plan(Planned(delay=2))
    invoice = post_invoice(clerk)
    run_jobs()
    sync = the_sync(invoice)
    assert sync.status == Status.PENDING and "did not answer" in sync.last_error
    make_due()
    run_jobs()
    sync.refresh_from_db()
    assert sync.status == Status.PUSHED and sync.external_id == "101"
    assert len(fake.invoices) == 1
    assert [w["key"] for w in fake.writes()] == [sync.idempotency_key] * 2


def test_a_push_whose_attempts_run_out_is_dead(clerk, fake, settings):
    settings.JOBS_MAX_ATTEMPTS = 2
    fake.plan(Planned(status=502, body={}), Planned(status=502, body={}))
    invoice = post_invoice(clerk)
    run_jobs()
    make_due()
    run_jobs()
    sync = the_sync(invoice)
    assert (sync.status, sync.attempts) == (Status.DEAD, 2)
    assert not queued().exists()


def test_retry_of_a_failed_push_sends_the_same_idempotency_key(clerk, fake):
    fake.plan(Planned(status=400, body=xero_validation_error("Contact is archived.")))
    invoice = post_invoice(clerk)
    run_jobs()
    sync = the_sync(invoice)
    assert sync.status == Status.FAILED
    sync = sync_retry(sync=sync, user=clerk)
    assert sync.status == Status.PENDING
    run_jobs()
    sync.refresh_from_db()
    assert sync.status == Status.PUSHED
    assert [w["key"] for w in fake.writes()] == [sync.idempotency_key] * 2
    assert len(fake.invoices) == 1
    assert JobState.objects.get().status == JobState.Status.SUCCEEDED


def test_retry_of_a_dead_push_runs_it_again(clerk, fake, settings):
    settings.JOBS_MAX_ATTEMPTS = 1
    fake.plan(Planned(status=503, body={}))
    invoice = post_invoice(clerk)
    run_jobs()
    assert the_sync(invoice).status == Status.DEAD
    sync_retry(sync=the_sync(invoice), user=clerk)
    run_jobs()
    assert the_sync(invoice).status == Status.PUSHED


def test_a_pushed_one_cannot_be_retried(clerk, fake):
    invoice = post_invoice(clerk)
    run_jobs()
    with pytest.raises(Exception, match="only a failed or dead push"):
        sync_retry(sync=the_sync(invoice), user=clerk)


def test_a_full_rate_limit_window_defers_the_push_without_counting_an_attempt(
    clerk, fake, settings
):
    settings.ACCOUNTING_RATE_LIMIT_PER_MINUTE = 1
    first, second = post_invoice(clerk), post_invoice(clerk)
    run_jobs()
    pushed = [the_sync(first).status, the_sync(second).status]
    assert sorted(pushed) == [Status.PENDING, Status.PUSHED]
    waiting = InvoiceSync.objects.get(status=Status.PENDING)
    assert waiting.attempts == 0 and waiting.last_error == ""
    (deferred,) = queued()
    assert deferred.run_after > timezone.now()
    assert deferred.run_after.second == 0  # the next minute's window
    assert not JobState.objects.exists()  # not a failure
    assert len(fake.writes()) == 1


def test_a_void_and_a_payment_are_pushed_after_the_invoice(clerk, fake):
    invoice = post_invoice(clerk)
    services.payment_record(invoice=invoice, amount="10.00", payment_date=None, user=clerk)
    # Both queued at once: the payment waits (retried) until the invoice is there.
    run_jobs()
    make_due()
    run_jobs()
    payment = invoice.payments.get()
    assert InvoiceSync.objects.get(payment=payment).status == Status.PUSHED
    assert len(fake.payments) == 1
    services.payment_reverse(payment=payment, reason="bounced", user=clerk)
    invoice.refresh_from_db()
    services.invoice_void(invoice=invoice, reason="wrong customer", user=clerk)
    run_jobs()
    assert the_sync(invoice, InvoiceSync.Action.VOID).status == Status.PUSHED
    assert fake.voided == ["101"]


def test_an_invoice_posted_before_the_provider_was_connected_queues_no_void(clerk, fake, settings):
    settings.ACCOUNTING_PROVIDER = ""
    invoice = post_invoice(clerk)
    settings.ACCOUNTING_PROVIDER = fake.flavor
    services.invoice_void(invoice=invoice, reason="", user=clerk)
    assert InvoiceSync.objects.count() == 0
