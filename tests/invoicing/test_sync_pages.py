"""The Sync page (pushes to the accounting provider not done yet, with Retry), the push's
state on the invoice page and the Sync column of the invoice list: what each role sees
and may do, and constant query counts."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conftest import _user_in
from invoicing.models import InvoiceSync
from tests.accounting.fake_provider import FakeProvider, Planned, connect, xero_validation_error
from tests.core.jobs_for_tests import run_jobs
from tests.invoicing.test_sync import post_invoice

pytestmark = pytest.mark.django_db
Status = InvoiceSync.Status
MESSAGE = "The TaxType code 'OUTPUT9' does not exist."


@pytest.fixture
def accounts_user(db):
    return _user_in("Accounts", "alice")


@pytest.fixture
def accounts_client(client, accounts_user):
    client.force_login(accounts_user)
    return client


@pytest.fixture
def fake(settings):
    fake = FakeProvider("xero").start()
    connect(settings, fake, timeout=1)
    yield fake
    fake.stop()


@pytest.fixture
def refused(fake, accounts_user):
    """A posted invoice whose push Xero refused (Failed, with Xero's message)."""
    fake.plan(Planned(status=400, body=xero_validation_error(MESSAGE)))
    invoice = post_invoice(accounts_user)
    run_jobs()
    return InvoiceSync.objects.get(invoice=invoice)


def test_the_sync_page_lists_a_refused_push_with_the_providers_message(accounts_client, refused):
    response = accounts_client.get(reverse("invoicing:sync-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert refused.invoice.number in page
    assert MESSAGE.replace("'", "&#x27;") in page
    assert 'data-testid="sync">Failed<' in page
    assert reverse("invoicing:sync-retry", args=[refused.pk]) in page


def test_retry_on_the_sync_page_queues_the_push_again_and_it_goes_through(
    accounts_client, refused, fake
):
    response = accounts_client.post(reverse("invoicing:sync-retry", args=[refused.pk]), follow=True)
    assert "queued to run again now" in response.content.decode()
    refused.refresh_from_db()
    assert refused.status == Status.PENDING
    assert (
        DBTaskResult.objects.filter(status="READY", task_path__endswith="push_to_provider").count()
        == 1
    )
    run_jobs()
    refused.refresh_from_db()
    assert refused.status == Status.PUSHED
    assert {w["key"] for w in fake.writes()} == {refused.idempotency_key}
    # Pushed ones leave the page (its default: not pushed yet) but show when asked for.
    page = accounts_client.get(reverse("invoicing:sync-list")).content.decode()
    assert refused.invoice.number not in page
    page = accounts_client.get(reverse("invoicing:sync-list"), {"status": "pushed"})
    assert refused.invoice.number in page.content.decode()


def test_retry_of_a_pushed_one_is_refused_with_a_message(accounts_client, fake, accounts_user):
    invoice = post_invoice(accounts_user)
    run_jobs()
    sync = InvoiceSync.objects.get(invoice=invoice)
    response = accounts_client.post(reverse("invoicing:sync-retry", args=[sync.pk]), follow=True)
    assert "only a failed or dead push can be retried" in response.content.decode()


def test_retry_is_post_only(accounts_client, refused):
    response = accounts_client.get(reverse("invoicing:sync-retry", args=[refused.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("role", ["Sales", "Warehouse", "Credit Control"])
def test_other_roles_neither_see_the_sync_page_nor_retry(client, refused, role):
    client.force_login(_user_in(role, "someone"))
    assert client.get(reverse("invoicing:sync-list")).status_code == 403
    response = client.post(reverse("invoicing:sync-retry", args=[refused.pk]))
    assert response.status_code == 403
    refused.refresh_from_db()
    assert refused.status == Status.FAILED


def test_managers_see_the_page_and_the_nav_link(manager_client, refused):
    response = manager_client.get(reverse("invoicing:sync-list"))
    assert response.status_code == 200
    assert f'href="{reverse("invoicing:sync-list")}"' in response.content.decode()


def test_the_invoice_page_shows_the_push_state_and_the_providers_number(
    accounts_client, fake, accounts_user
):
    invoice = post_invoice(accounts_user)
    page = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert 'data-testid="sync">Pending<' in page
    run_jobs()
    page = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert 'data-testid="sync">Pushed<' in page
    assert f'data-testid="external-number">as {invoice.number}<' in page


def test_the_invoice_page_shows_the_error_and_retry(accounts_client, refused):
    page = accounts_client.get(refused.invoice.get_absolute_url()).content.decode()
    assert 'data-testid="sync">Failed<' in page
    assert 'data-testid="sync-error"' in page
    response = accounts_client.post(
        reverse("invoicing:sync-retry", args=[refused.pk]), {"back": "invoice"}
    )
    assert response.url == refused.invoice.get_absolute_url()


def test_the_invoice_list_shows_each_invoices_sync_badge(accounts_client, fake, accounts_user):
    fake.plan(Planned(status=400, body=xero_validation_error(MESSAGE)))
    post_invoice(accounts_user)
    run_jobs()
    post_invoice(accounts_user)
    page = accounts_client.get(reverse("invoicing:invoice-list")).content.decode()
    assert 'data-testid="sync">Failed<' in page
    assert 'data-testid="sync">Pending<' in page
    csv = accounts_client.get(reverse("invoicing:invoice-list"), {"export": "csv"})
    assert b"Failed" in b"".join(csv.streaming_content if csv.streaming else [csv.content])


def test_the_invoice_list_and_sync_page_cost_the_same_queries_for_2_or_8_invoices(
    accounts_client, accounts_user, settings, django_assert_max_num_queries
):
    settings.ACCOUNTING_PROVIDER = "xero"  # queued, never run: every row stays Pending
    for _ in range(2):
        post_invoice(accounts_user)
    urls = [reverse("invoicing:invoice-list"), reverse("invoicing:sync-list")]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(15) as few:
            accounts_client.get(url)
        counts.append(len(few.captured_queries))
    for _ in range(6):
        post_invoice(accounts_user)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = accounts_client.get(url)
        assert len(response.context["table"].rows) == 8
