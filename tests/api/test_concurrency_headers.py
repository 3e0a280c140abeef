"""ETag / If-Match / If-None-Match, on every kind of write: built from the stored version."""

import pytest

from salesorders.models import SalesOrder
from tests.api.conftest import BASE

pytestmark = pytest.mark.django_db


def _writes(order, line):
    """(method, url, body) of each write that needs If-Match."""
    return [
        ("patch", f"{BASE}/salesOrders/{order.pk}", {"description": "x"}),
        ("patch", f"{BASE}/salesOrders/{order.pk}/salesOrderLines/{line.pk}", {"quantity": "5"}),
        ("delete", f"{BASE}/salesOrders/{order.pk}/salesOrderLines/{line.pk}", None),
        ("post", f"{BASE}/salesOrders/{order.pk}/issue", None),
        ("post", f"{BASE}/salesOrders({order.pk})/cancel", None),
    ]


@pytest.mark.parametrize("index", range(5))
def test_without_if_match_a_write_is_428_and_nothing_changes(api, order, index):
    method, url, body = _writes(order, order.lines.get())[index]
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "Request_PreconditionRequired"
    assert SalesOrder.objects.get(pk=order.pk).version == order.version


@pytest.mark.parametrize("index", range(5))
def test_a_stale_if_match_is_409_with_the_current_etag(api, order, index):
    method, url, body = _writes(order, order.lines.get())[index]
    response = getattr(api, method)(url, body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "Request_EntityChanged"
    assert response["ETag"] == f'"{order.version}"'
    assert SalesOrder.objects.get(pk=order.pk).version == order.version


@pytest.mark.parametrize("index", range(5))
def test_if_match_star_or_current_etag_is_accepted(api, order, index):
    method, url, body = _writes(order, order.lines.get())[index]
    tag = "*" if index % 2 else f'W/"{order.version}"'
    response = getattr(api, method)(url, body, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code in (200, 204), response.content
    assert SalesOrder.objects.get(pk=order.pk).version > order.version


def test_etag_is_the_stored_version_and_the_body_carries_it(api, order):
    response = api.get(f"{BASE}/salesOrders/{order.pk}")
    assert response["ETag"] == f'"{order.version}"'
    assert response.json()["@odata.etag"] == response["ETag"]
    listed = api.get(f"{BASE}/salesOrders").json()["value"][0]
    assert listed["@odata.etag"] == response["ETag"]


def test_if_none_match_is_304_until_the_order_changes(api, order):
    url = f"{BASE}/salesOrders/{order.pk}"
    etag = api.get(url)["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    api.patch(url, {"notes": "call first"}, format="json", HTTP_IF_MATCH=etag)
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


def test_a_stale_version_lost_under_the_lock_is_still_a_409(api, order, monkeypatch):
    """If-Match passed the view's check but the order changed before the service locked it:
    the service refuses (StaleOrderError) and the client gets 409 with the new ETag."""
    from salesorders.api.views import SalesOrderViewSet

    def passes_then_races(view, obj):
        SalesOrder.objects.filter(pk=obj.pk).update(version=obj.version + 1)
        return obj.version

    monkeypatch.setattr(SalesOrderViewSet, "check_if_match", passes_then_races)
    response = api.patch(
        f"{BASE}/salesOrders/{order.pk}", {"notes": "x"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 409
    assert response["ETag"] == f'"{order.version + 1}"'
    assert "since you opened it" in response.json()["error"]["message"]
    assert SalesOrder.objects.get(pk=order.pk).notes == ""


def test_customer_etag_follows_its_stored_update_time(api, customer):
    url = f"{BASE}/customers/{customer.pk}"
    etag = api.get(url)["ETag"]
    changed = api.patch(url, {"displayName": "Adatum Ltd"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.json()
    stale = api.patch(url, {"displayName": "Other"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    customer.refresh_from_db()
    assert customer.name == "Adatum Ltd"
