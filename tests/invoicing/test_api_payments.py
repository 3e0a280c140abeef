"""API: Record Payment (POST invoices({id})/payments) through payment_record, the invoice's
payments, and payments({id})/reverse through payment_reverse; If-Match, the roles'
permissions, and bad input refused at its field with nothing written."""

import datetime

import pytest
from django.utils import timezone

from invoicing import services
from invoicing.models import Invoice, Payment
from tests.api.conftest import BASE, token_client
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


def posted_invoice(user) -> Invoice:
    """A posted invoice of 29.75 (2 x 10 + 1 x 5, 19% tax)."""
    order = make_order(user, [("2", "10.0000"), ("1", "5.0000")])
    ship(order, user)
    invoice = services.invoice_create_from_order(order=order, user=user)
    return services.invoice_post(invoice=invoice, user=user)


def test_recording_a_payment_lowers_the_open_amount_and_lists_it(manager_user):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    url = f"{BASE}/invoices({invoice.pk})/payments"
    etag = api.get(f"{BASE}/invoices({invoice.pk})")["ETag"]
    today = timezone.localdate().isoformat()
    response = api.post(
        url,
        {"amount": "10.00", "paymentDate": today, "method": "Card", "reference": "TX-1"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "10.00" and body["method"] == "Card" and body["reference"] == "TX-1"
    assert body["paymentDate"] == today and body["reversed"] is False
    assert response["ETag"] != etag
    assert response["Location"].endswith(f"/api/v2.0/payments/{body['id']}")
    assert api.get(response["Location"]).status_code == 200
    invoice_body = api.get(f"{BASE}/invoices({invoice.pk})").json()
    assert invoice_body["amountPaid"] == "10.00" and invoice_body["remainingAmount"] == "19.75"
    listed = api.get(url).json()["value"]
    assert [p["id"] for p in listed] == [body["id"]]
    payment = Payment.objects.get()
    assert payment.method == Payment.Method.CARD and payment.created_by == manager_user


def test_the_settling_payment_makes_the_invoice_paid_without_if_match(manager_user):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    response = api.post(
        f"{BASE}/invoices/{invoice.pk}/payments", {"amount": "29.75"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "Bank transfer"
    assert api.get(f"{BASE}/invoices({invoice.pk})").json()["status"] == "Paid"


def test_a_stale_if_match_on_record_payment_is_a_409_and_writes_nothing(manager_user):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    response = api.post(
        f"{BASE}/invoices({invoice.pk})/payments",
        {"amount": "1.00"},
        format="json",
        HTTP_IF_MATCH='"999"',
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "Request_EntityChanged"
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "body, target, words",
    [
        ({"amount": "30.00"}, "amount", "would overpay"),
        ({"amount": "0"}, "amount", "above zero"),
        ({"amount": "1.001"}, "amount", "decimal places"),
        ({"amount": "ten"}, "amount", "valid number"),
        ({}, "amount", "required"),
        ({"amount": "1.00", "method": "Barter"}, "method", "not a valid choice"),
        ({"amount": "1.00", "paymentDate": "2001-01-01"}, "paymentDate", "before"),
        ({"amount": "1.00", "reference": "x" * 101}, "reference", "100"),
        ({"amount": "1.00", "invoiceId": 1}, "invoiceId", "Unknown field"),
    ],
)
def test_bad_payment_input_is_a_400_at_its_field_and_writes_nothing(
    manager_user, body, target, words
):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    version = invoice.version
    response = api.post(f"{BASE}/invoices({invoice.pk})/payments", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["target"] == target
    assert words in error["message"]
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.version == version and invoice.amount_paid == 0


def test_a_payment_on_a_draft_is_the_services_sentence(manager_user):
    api = token_client(manager_user)
    order = make_order(manager_user)
    ship(order, manager_user)
    draft = services.invoice_create_from_order(order=order, user=manager_user)
    response = api.post(f"{BASE}/invoices({draft.pk})/payments", {"amount": "1.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert not Payment.objects.exists()


def test_recording_and_reversing_payments_need_their_permissions(manager_user, sales_user):
    invoice = posted_invoice(manager_user)
    seller = token_client(sales_user)
    refused = seller.post(
        f"{BASE}/invoices({invoice.pk})/payments", {"amount": "1.00"}, format="json"
    )
    assert refused.status_code == 403
    assert not Payment.objects.exists()
    payment = services.payment_record(
        invoice=invoice, amount="5.00", payment_date=None, user=manager_user
    )
    assert (
        seller.post(f"{BASE}/payments({payment.pk})/reverse", HTTP_IF_MATCH="*").status_code == 403
    )
    payment.refresh_from_db()
    assert not payment.is_reversed


def test_reversing_a_payment_needs_if_match_and_opens_the_invoice_again(manager_user):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    payment = services.payment_record(
        invoice=invoice, amount="29.75", payment_date=None, user=manager_user
    )
    url = f"{BASE}/payments({payment.pk})/reverse"
    assert api.post(url).status_code == 428
    stale = api.post(url, HTTP_IF_MATCH='W/"999"')
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    payment.refresh_from_db()
    assert not payment.is_reversed

    etag = api.get(f"{BASE}/payments({payment.pk})")["ETag"]
    response = api.post(url, {"reason": "Bounced."}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 204, response.content
    assert response["ETag"] != etag
    payment.refresh_from_db()
    assert payment.is_reversed and payment.reversal_reason == "Bounced."
    body = api.get(f"{BASE}/invoices({invoice.pk})").json()
    assert body["status"] == "Posted" and body["remainingAmount"] == "29.75"
    assert api.get(f"{BASE}/payments({payment.pk})").json()["reversed"] is True

    again = api.post(url, HTTP_IF_MATCH=response["ETag"])
    assert again.status_code == 400
    assert "already reversed" in again.json()["error"]["message"]


def test_a_reverse_with_an_unknown_field_is_a_400(manager_user):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    payment = services.payment_record(
        invoice=invoice, amount="1.00", payment_date=None, user=manager_user
    )
    response = api.post(
        f"{BASE}/payments({payment.pk})/reverse", {"why": "x"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "why"
    payment.refresh_from_db()
    assert not payment.is_reversed


def test_an_invoices_payments_cost_constant_queries(manager_user, django_assert_max_num_queries):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    services.payment_record(invoice=invoice, amount="1.00", payment_date=None, user=manager_user)
    url = f"{BASE}/invoices({invoice.pk})/payments"
    with django_assert_max_num_queries(12) as few:
        assert len(api.get(url).json()["value"]) == 1
    for _ in range(5):
        services.payment_record(
            invoice=invoice, amount="1.00", payment_date=None, user=manager_user
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(url).json()["value"]) == 6
    other = posted_invoice(manager_user)
    assert api.get(f"{BASE}/invoices({other.pk})/payments").json()["value"] == []
    assert api.get(f"{BASE}/invoices(99999)/payments").status_code == 404


def test_a_payment_dated_before_the_invoice_names_the_date(manager_user):
    api = token_client(manager_user)
    invoice = posted_invoice(manager_user)
    day = invoice.invoice_date - datetime.timedelta(days=1)
    response = api.post(
        f"{BASE}/invoices({invoice.pk})/payments",
        {"amount": "1.00", "paymentDate": day.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "paymentDate"
