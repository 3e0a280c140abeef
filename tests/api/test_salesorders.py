"""salesOrders, salesOrderLines and extra lines through the API: same services, same rules."""

from decimal import Decimal

import pytest

from salesorders.models import SalesOrder, SalesOrderLine
from tests.api.conftest import BASE

pytestmark = pytest.mark.django_db


def test_create_order_with_lines_by_item_id_and_number(api, customer, part):
    """A deep insert creates the Pending order and its lines, named by id or by SKU."""
    other = type(part).objects.create(sku="NUT-1", name="Nut", list_price=Decimal("1.0000"))
    response = api.post(
        f"{BASE}/salesOrders",
        {
            "customerNumber": "10000",
            "externalDocumentNumber": "PO-77",
            "salesOrderLines": [
                {"itemId": part.pk, "quantity": "3"},
                {"lineObjectNumber": "NUT-1", "quantity": "2", "unitPrice": "0.9000"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "Open"
    assert body["customerName"] == "Adatum Corporation"
    assert body["totalAmountExcludingTax"] == "9.30"
    assert response["ETag"] == body["@odata.etag"]
    order = SalesOrder.objects.get(pk=body["id"])
    assert order.customer_reference == "PO-77"
    assert sorted(order.lines.values_list("part__sku", flat=True)) == ["BOLT-1", "NUT-1"]
    assert other.sales_order_lines.get().unit_price == Decimal("0.9000")


def test_read_order_by_both_key_syntaxes_with_expanded_lines(api, order):
    """salesOrders(5) and salesOrders/5 are the same record; $expand brings its lines."""
    slash = api.get(f"{BASE}/salesOrders/{order.pk}?$expand=salesOrderLines")
    parens = api.get(f"{BASE}/salesOrders({order.pk})?$expand=salesOrderLines")
    assert slash.status_code == parens.status_code == 200
    assert slash.json() == parens.json()
    lines = slash.json()["salesOrderLines"]
    assert [line["lineObjectNumber"] for line in lines] == ["BOLT-1"]
    assert lines[0]["quantity"] == "4.0000"
    assert slash["ETag"] == f'"{order.version}"'


def test_patch_header_with_if_match_changes_it_and_bumps_the_version(api, order):
    etag = api.get(f"{BASE}/salesOrders/{order.pk}")["ETag"]
    response = api.patch(
        f"{BASE}/salesOrders/{order.pk}",
        {"externalDocumentNumber": "PO-9"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.customer_reference == "PO-9"
    assert response["ETag"] == f'"{order.version}"' != etag


def test_line_patch_goes_through_the_service_and_bumps_the_order(api, order):
    line = order.lines.get()
    etag = f'"{order.version}"'
    response = api.patch(
        f"{BASE}/salesOrders({order.pk})/salesOrderLines({line.pk})",
        {"quantity": "10", "discountPercent": "5"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.version == int(etag.strip('"')) + 1
    assert order.subtotal == Decimal("23.75")
    assert response.json()["amountExcludingTax"] == "23.75"


def test_line_add_and_delete(api, order):
    nut = type(order.lines.get().part).objects.create(sku="NUT-2", name="Nut", list_price=1)
    added = api.post(
        f"{BASE}/salesOrders/{order.pk}/salesOrderLines",
        {"lineObjectNumber": "NUT-2", "quantity": "1"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    line_id = added.json()["id"]
    deleted = api.delete(
        f"{BASE}/salesOrders/{order.pk}/salesOrderLines/{line_id}", HTTP_IF_MATCH=added["ETag"]
    )
    assert deleted.status_code == 204
    assert not SalesOrderLine.objects.filter(pk=line_id).exists()
    assert nut.sales_order_lines.count() == 0


def test_a_line_of_another_order_is_not_found_under_this_one(api, order, customer, part):
    from salesorders import services

    other = services.salesorder_create(customer=customer, user=None)
    line = order.lines.get()
    response = api.patch(
        f"{BASE}/salesOrders/{other.pk}/salesOrderLines/{line.pk}",
        {"quantity": "1"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "BadRequest_NotFound"
    line.refresh_from_db()
    assert line.quantity == Decimal("4")


def test_extra_line_add_changes_totals(api, order):
    response = api.post(
        f"{BASE}/salesOrders/{order.pk}/salesOrderExtraLines",
        {"description": "Freight", "unitPrice": "12.5"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    order.refresh_from_db()
    assert order.subtotal == Decimal("22.50")


def test_issue_hold_release_complete_cancel_as_bound_actions(api, order):
    url = f"{BASE}/salesOrders({order.pk})"
    etag = api.get(url)["ETag"]
    issued = api.post(f"{url}/issue", HTTP_IF_MATCH=etag)
    assert issued.status_code == 204
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.ISSUED
    held = api.post(
        f"{url}/hold", {"reason": "Credit check"}, format="json", HTTP_IF_MATCH=issued["ETag"]
    )
    assert held.status_code == 204
    assert api.get(url).json()["status"] == "On Hold"
    released = api.post(f"{url}/release", HTTP_IF_MATCH=held["ETag"])
    assert released.status_code == 204
    assert api.get(url).json()["status"] == "Released"
    cancelled = api.post(
        f"{url}/cancel",
        {"reason": "Customer withdrew"},
        format="json",
        HTTP_IF_MATCH=released["ETag"],
    )
    assert cancelled.status_code == 204
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.CANCELLED


def test_a_refused_transition_is_a_400_with_the_services_sentence(api, order):
    response = api.post(f"{BASE}/salesOrders/{order.pk}/complete", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest_BusinessRule"
    assert "cannot be completed" in error["message"]
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING


def test_hold_without_a_reason_names_the_field(api, order):
    response = api.post(f"{BASE}/salesOrders/{order.pk}/hold", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "reason"


def test_auto_allocate_then_complete_the_shipment(api, order, stocked_part):
    url = f"{BASE}/salesOrders/{order.pk}"
    api.post(f"{url}/issue", HTTP_IF_MATCH="*")
    allocated = api.post(f"{url}/autoAllocate", HTTP_IF_MATCH="*")
    assert allocated.status_code == 200, allocated.json()
    body = allocated.json()
    assert body["complete"] is True
    assert body["allocatedQuantities"] == {"pcs": "4.0000"}
    shipment = api.get(f"{BASE}/shipments/{body['shipmentId']}?$expand=allocations").json()
    assert [a["quantity"] for a in shipment["allocations"]] == ["4.0000"]
    done = api.post(
        f"{BASE}/shipments({body['shipmentId']})/complete", HTTP_IF_MATCH=shipment["@odata.etag"]
    )
    assert done.status_code == 204
    read = api.get(f"{url}").json()
    assert read["fullyShipped"] is True
    completed = api.post(f"{url}/complete", HTTP_IF_MATCH=done["ETag"])
    assert completed.status_code == 204
    assert api.get(url).json()["status"] == "Complete"


def test_sales_cannot_complete_orders(sales_api, order):
    response = sales_api.post(f"{BASE}/salesOrders/{order.pk}/complete", HTTP_IF_MATCH="*")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_Forbidden"


def test_warehouse_cannot_create_orders(warehouse_api, customer):
    response = warehouse_api.post(f"{BASE}/salesOrders", {"customerId": customer.pk}, format="json")
    assert response.status_code == 403
    assert not SalesOrder.objects.exists()
