"""Send Invoice: a posted invoice goes by email with its PDF, once per request, as a job; a
draft or an invoice without an address is refused; posting can send it (a setting)."""

import pytest
from django.urls import reverse

from conftest import _user_in
from core.models import EmailMessageLog
from core.pdf import pdf_available
from invoicing import services
from tests.core.jobs_for_tests import run_jobs
from tests.factories import CustomerFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts_client(client):
    client.force_login(_user_in("Accounts", "alice"))
    return client


def _invoice(user, *, email="ap@customer.test", post=True):
    order = make_order(user, customer=CustomerFactory(email=email))
    ship(order, user)
    invoice = services.invoice_create_from_order(order=order, user=user)
    return services.invoice_post(invoice=invoice, user=user) if post else invoice


def test_send_invoice_queues_one_email_with_the_pdf(accounts_client, manager_user, mailoutbox):
    invoice = _invoice(manager_user)
    page = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert 'data-testid="send-invoice"' in page
    url = reverse("invoicing:invoice-email", args=[invoice.pk])
    response = accounts_client.post(url, {"request_token": "t-1"}, follow=True)
    assert f"{invoice} queued to ap@customer.test." in response.content.decode()
    accounts_client.post(url, {"request_token": "t-1"})  # a double click
    assert EmailMessageLog.objects.count() == 1
    run_jobs()
    (message,) = mailoutbox
    assert message.to == ["ap@customer.test"]
    assert invoice.number in message.subject and invoice.number in message.body
    if pdf_available():
        ((name, content, mime),) = message.attachments
        assert name == f"{invoice.number}.pdf" and mime == "application/pdf"
        assert content.startswith(b"%PDF-")
    page = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert "badge-email-sent" in page


def test_a_draft_is_not_sent(accounts_client, manager_user):
    draft = _invoice(manager_user, post=False)
    assert (
        'data-testid="send-invoice"'
        not in accounts_client.get(draft.get_absolute_url()).content.decode()
    )
    response = accounts_client.post(
        reverse("invoicing:invoice-email", args=[draft.pk]), {"request_token": "t"}, follow=True
    )
    assert "is a draft: post it before sending it" in response.content.decode()
    assert not EmailMessageLog.objects.exists()


def test_an_invoice_without_an_address_is_refused(accounts_client, manager_user):
    invoice = _invoice(manager_user, email="")
    response = accounts_client.post(
        reverse("invoicing:invoice-email", args=[invoice.pk]), {"request_token": "t"}, follow=True
    )
    assert "has no email address to send to" in response.content.decode()
    assert not EmailMessageLog.objects.exists()


def test_send_is_post_only_and_needs_the_change_permission(client, accounts_client, manager_user):
    invoice = _invoice(manager_user)
    url = reverse("invoicing:invoice-email", args=[invoice.pk])
    assert accounts_client.get(url).status_code == 405
    client.force_login(_user_in("Sales", "sam"))
    assert client.post(url, {"request_token": "t"}).status_code == 403
    assert not EmailMessageLog.objects.exists()


def test_posting_sends_the_invoice_when_the_setting_says_so(settings, manager_user, mailoutbox):
    settings.INVOICE_EMAIL_ON_POST = True
    invoice = _invoice(manager_user)
    assert EmailMessageLog.objects.get().recipient == "ap@customer.test"
    run_jobs()
    assert [m.subject for m in mailoutbox] == [
        f"Invoice {invoice.number} · {settings.COMPANY_NAME}"
    ]


def test_posting_sends_nothing_by_default(manager_user):
    _invoice(manager_user)
    assert not EmailMessageLog.objects.exists()
