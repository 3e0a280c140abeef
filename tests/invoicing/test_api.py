"""API: `invoices` (with `invoiceLines`) and `payments`, read-only, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing import services
from tests.api.conftest import BASE, token_client
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


def _invoiced(user, count=1):
    invoices = []
    for _ in range(count):
        order = make_order(user, [("2", "10.0000"), ("1", "5.0000")])
        ship(order, user)
        invoice = services.invoice_create_from_order(order=order, user=user)
        invoices.append(services.invoice_post(invoice=invoice, user=user))
    return invoices


def test_invoices_with_lines_and_payments_read_as_decimal_strings(manager_user):
    api = token_client(manager_user)
    (invoice,) = _invoiced(manager_user)
    services.payment_record(invoice=invoice, amount="10.00", payment_date=None, user=manager_user)
    body = api.get(f"{BASE}/invoices({invoice.pk})", {"$expand": "invoiceLines"}).json()
    assert body["number"] == "INV-00001" and body["status"] == "Posted"
    assert body["totalAmountIncludingTax"] == "29.75"
    assert body["remainingAmount"] == "19.75"
    assert [line["quantity"] for line in body["invoiceLines"]] == ["2.0000", "1.0000"]
    payments = api.get(f"{BASE}/payments", {"$filter": f"invoiceId eq {invoice.pk}"}).json()
    assert [p["amount"] for p in payments["value"]] == ["10.00"]
    assert api.post(f"{BASE}/invoices", {}, format="json").status_code == 405


def test_the_invoice_list_costs_the_same_queries_for_one_and_five_invoices(manager_user):
    api = token_client(manager_user)
    _invoiced(manager_user)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"{BASE}/invoices", {"$expand": "invoiceLines"})
        assert response.status_code == 200
        return len(captured)

    few = count()
    _invoiced(manager_user, 4)
    assert count() == few


def test_the_sales_role_reads_invoices_and_warehouse_not_payments(sales_user, warehouse_user):
    (invoice,) = _invoiced(sales_user)
    assert token_client(sales_user).get(f"{BASE}/invoices").status_code == 200
    assert token_client(warehouse_user).get(f"{BASE}/payments").status_code == 403
    assert token_client(warehouse_user).get(f"{BASE}/invoices({invoice.pk})").status_code == 200
