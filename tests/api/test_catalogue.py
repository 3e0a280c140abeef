"""customers, items and stockItems: CRUD and actions through the apps' services."""

from decimal import Decimal

import pytest

from customers.models import Customer
from inventory.models import Part, StockItem, StockMovement
from tests.api.conftest import BASE
from tests.factories import StockItemFactory, StockLocationFactory

pytestmark = pytest.mark.django_db


def test_customer_create_gets_the_next_number_and_refuses_a_bad_currency(api):
    created = api.post(f"{BASE}/customers", {"displayName": "Fabrikam"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["number"].startswith("C-")
    assert created["Location"].endswith(f"/customers/{created.json()['id']}")
    refused = api.post(
        f"{BASE}/customers", {"displayName": "X", "currencyCode": "XYZ"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["target"] == "currencyCode"
    assert Customer.objects.count() == 1


def test_customer_deactivate_through_patch_and_delete_refused_with_orders(api, order):
    url = f"{BASE}/customers/{order.customer_id}"
    etag = api.get(url)["ETag"]
    deactivated = api.patch(url, {"active": False}, format="json", HTTP_IF_MATCH=etag)
    assert deactivated.status_code == 200, deactivated.json()
    assert deactivated.json()["active"] is False
    refused = api.delete(url, HTTP_IF_MATCH=deactivated["ETag"])
    assert refused.status_code == 400
    assert "has sales orders" in refused.json()["error"]["message"]
    assert Customer.objects.filter(pk=order.customer_id).exists()


def test_customer_delete_without_orders(api, customer):
    url = f"{BASE}/customers({customer.pk})"
    response = api.delete(url, HTTP_IF_MATCH="*")
    assert response.status_code == 204
    assert not Customer.objects.exists()


def test_customer_filter_by_number(api, customer):
    body = api.get(f"{BASE}/customers", {"$filter": "number eq '10000'"}).json()
    assert [row["displayName"] for row in body["value"]] == ["Adatum Corporation"]


def test_item_with_price_breaks_create_and_replace(api):
    created = api.post(
        f"{BASE}/items",
        {
            "number": "GEAR-1",
            "displayName": "Gear",
            "unitPrice": "10",
            "priceBreaks": [{"minimumQuantity": "10", "unitPrice": "9"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    item = created.json()
    assert item["priceBreaks"] == [{"minimumQuantity": "10.0000", "unitPrice": "9.0000"}]
    changed = api.patch(
        f"{BASE}/items/{item['id']}",
        {"priceBreaks": [{"minimumQuantity": "50", "unitPrice": "8"}]},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert changed.status_code == 200, changed.json()
    part = Part.objects.get(sku="GEAR-1")
    assert list(part.price_breaks.values_list("min_quantity", flat=True)) == [Decimal("50")]


def test_item_duplicate_number_is_refused_at_number(api, part):
    response = api.post(
        f"{BASE}/items", {"number": "BOLT-1", "displayName": "Again"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "number"


def test_stock_receive_and_adjust_write_the_ledger(warehouse_api, part):
    location = StockLocationFactory()
    received = warehouse_api.post(
        f"{BASE}/stockItems",
        {"itemId": part.pk, "locationId": location.pk, "quantity": "12"},
        format="json",
    )
    assert received.status_code == 201, received.json()
    item_id = received.json()["id"]
    adjusted = warehouse_api.post(
        f"{BASE}/stockItems({item_id})/adjust",
        {"newQuantity": "10", "reason": "Stock count"},
        format="json",
        HTTP_IF_MATCH=received["ETag"],
    )
    assert adjusted.status_code == 200, adjusted.json()
    assert adjusted.json()["quantity"] == "10.0000"
    kinds = list(StockMovement.objects.filter(stock_item_id=item_id).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([StockMovement.Kind.RECEIVED, StockMovement.Kind.ADJUSTED])


def test_stock_adjust_refusal_is_at_new_quantity(warehouse_api, part):
    item = StockItemFactory(part=part, quantity=Decimal("5"))
    response = warehouse_api.post(
        f"{BASE}/stockItems/{item.pk}/adjust",
        {"newQuantity": "5", "reason": "count"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "newQuantity"


def test_sales_may_read_stock_but_not_adjust_it(sales_api, part):
    item = StockItemFactory(part=part)
    assert sales_api.get(f"{BASE}/stockItems/{item.pk}").status_code == 200
    response = sales_api.post(
        f"{BASE}/stockItems/{item.pk}/adjust",
        {"newQuantity": "1", "reason": "x"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 403
    assert StockItem.objects.get(pk=item.pk).quantity == Decimal("100")


def test_stock_filter_by_status_label(api, part):
    StockItemFactory(part=part, status=StockItem.Status.DAMAGED)
    StockItemFactory(part=part)
    body = api.get(f"{BASE}/stockItems", {"$filter": "status eq 'Damaged'"}).json()
    assert [row["status"] for row in body["value"]] == ["Damaged"]
