"""Admin: invoices, payments and settings are registered; a posted invoice is read-only;
post, void, delete and reverse run through the services."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from invoicing import services
from invoicing.models import Invoice, Payment
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(manager_user):
    order = make_order(manager_user)
    ship(order, manager_user)
    return services.invoice_create_from_order(order=order, user=manager_user)


def test_admin_pages_open_and_a_posted_invoice_is_read_only(manager_client, manager_user, draft):
    for name in ("invoice", "payment", "invoicesettings"):
        assert manager_client.get(reverse(f"admin:invoicing_{name}_changelist")).status_code == 200
    change = reverse("admin:invoicing_invoice_change", args=[draft.pk])
    assert b'name="notes"' in manager_client.get(change).content
    services.invoice_post(invoice=draft, user=manager_user)
    page = manager_client.get(change)
    assert page.status_code == 200 and b'name="notes"' not in page.content
    assert manager_client.get(reverse("admin:invoicing_invoice_add")).status_code == 403


def test_admin_actions_go_through_the_services(manager_client, manager_user, draft):
    changelist = reverse("admin:invoicing_invoice_changelist")
    response = manager_client.post(
        changelist, {"action": "post_invoices", "_selected_action": [draft.pk]}, follow=True
    )
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.POSTED and draft.number == "INV-00001"
    assert "1 invoice(s) posted." in [str(m) for m in get_messages(response.wsgi_request)]
    manager_client.post(changelist, {"action": "delete_drafts", "_selected_action": [draft.pk]})
    assert Invoice.objects.filter(pk=draft.pk).exists()  # refused: posted
    manager_client.post(changelist, {"action": "void_invoices", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.VOID
    assert Invoice.objects.credit_notes().get().credited_invoice == draft


def test_admin_reverses_payments_through_the_service(manager_client, manager_user, draft):
    services.invoice_post(invoice=draft, user=manager_user)
    payment = services.payment_record(
        invoice=draft, amount="1.00", payment_date=None, user=manager_user
    )
    manager_client.post(
        reverse("admin:invoicing_payment_changelist"),
        {"action": "reverse_payments", "_selected_action": [payment.pk]},
    )
    assert Payment.objects.get().is_reversed
