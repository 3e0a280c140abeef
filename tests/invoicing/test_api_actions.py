"""API bound actions that make and move invoices: salesOrders(id)/createInvoice and
Microsoft.NAV.shipAndInvoice, invoices(id)/post and /void; If-Match on each, the roles'
permissions, and the services' sentences in the error envelope."""

import pytest

from invoicing.models import Invoice
from salesorders.models import SalesOrder
from tests.api.conftest import BASE, token_client
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


def test_ship_and_invoice_leaves_the_order_fully_shipped_and_invoiced(manager_user):
    api = token_client(manager_user)
    order = make_order(manager_user, [("2", "10.0000"), ("3", "4.0000")])
    url = f"{BASE}/salesOrders({order.pk})"
    etag = api.get(url)["ETag"]
    response = api.post(f"{url}/Microsoft.NAV.shipAndInvoice", HTTP_IF_MATCH=etag)
    assert response.status_code == 204, response.content
    assert response["ETag"] != etag
    body = api.get(url).json()
    assert body["fullyShipped"] is True and body["fullyInvoiced"] is True
    invoice = Invoice.objects.get(order=order)
    assert invoice.status == Invoice.Status.POSTED
    # The slash key style addresses the same action.
    again = api.post(
        f"{BASE}/salesOrders/{order.pk}/Microsoft.NAV.shipAndInvoice", HTTP_IF_MATCH="*"
    )
    assert again.status_code == 400
    assert Invoice.objects.filter(order=order).count() == 1


def test_ship_and_invoice_needs_if_match_and_refuses_a_stale_one(manager_user):
    api = token_client(manager_user)
    order = make_order(manager_user)
    url = f"{BASE}/salesOrders({order.pk})/Microsoft.NAV.shipAndInvoice"
    assert api.post(url).status_code == 428
    stale = api.post(url, HTTP_IF_MATCH='W/"999"')
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    assert not Invoice.objects.filter(order=order).exists()


def test_ship_and_invoice_of_a_pending_order_is_a_400_with_the_services_sentence(manager_user):
    api = token_client(manager_user)
    order = make_order(manager_user, issue=False)
    response = api.post(
        f"{BASE}/salesOrders({order.pk})/Microsoft.NAV.shipAndInvoice", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert "Issued orders" in response.json()["error"]["message"]
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING


def test_create_invoice_then_post_and_void_through_if_match(manager_user):
    api = token_client(manager_user)
    order = make_order(manager_user, [("2", "10.0000")])
    ship(order, manager_user)
    order_url = f"{BASE}/salesOrders({order.pk})"
    created = api.post(f"{order_url}/createInvoice", HTTP_IF_MATCH=api.get(order_url)["ETag"])
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "Draft"
    url = f"{BASE}/invoices({created.json()['id']})"
    draft_etag = created["ETag"]

    assert api.post(f"{url}/post").status_code == 428
    stale = api.post(f"{url}/post", HTTP_IF_MATCH='W/"999"')
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    assert api.get(url).json()["status"] == "Draft"

    posted = api.post(f"{url}/post", HTTP_IF_MATCH=draft_etag)
    assert posted.status_code == 204, posted.content
    assert api.get(url).json()["status"] == "Posted"
    # Posting again is the service's refusal, not a conflict: the ETag is current.
    again = api.post(f"{url}/post", HTTP_IF_MATCH=posted["ETag"])
    assert again.status_code == 400

    voided = api.post(
        f"{url}/void", {"reason": "Wrong customer"}, format="json", HTTP_IF_MATCH=posted["ETag"]
    )
    assert voided.status_code == 204, voided.content
    assert api.get(url).json()["status"] == "Void"


def test_a_sales_user_cannot_post_or_void_invoices(manager_user, sales_user):
    order = make_order(manager_user)
    ship(order, manager_user)
    manager = token_client(manager_user)
    created = manager.post(f"{BASE}/salesOrders({order.pk})/createInvoice", HTTP_IF_MATCH="*")
    url = f"{BASE}/invoices({created.json()['id']})"
    sales = token_client(sales_user)
    assert sales.post(f"{url}/post", HTTP_IF_MATCH="*").status_code == 403
    assert (
        sales.post(
            f"{BASE}/salesOrders({order.pk})/Microsoft.NAV.shipAndInvoice", HTTP_IF_MATCH="*"
        ).status_code
        == 403
    )
    assert manager.get(url).json()["status"] == "Draft"


def test_void_refuses_unknown_fields_and_writes_nothing(manager_user):
    api = token_client(manager_user)
    order = make_order(manager_user)
    ship(order, manager_user)
    created = api.post(f"{BASE}/salesOrders({order.pk})/createInvoice", HTTP_IF_MATCH="*")
    url = f"{BASE}/invoices({created.json()['id']})"
    posted = api.post(f"{url}/post", HTTP_IF_MATCH="*")
    response = api.post(
        f"{url}/void", {"reason": "x", "force": True}, format="json", HTTP_IF_MATCH=posted["ETag"]
    )
    assert response.status_code == 400
    assert api.get(url).json()["status"] == "Posted"
