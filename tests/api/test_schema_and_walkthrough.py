"""The OpenAPI schema is valid, the docs are served offline, and a client using a token can
do a whole order over HTTP."""

import pytest
import requests
from django.contrib.staticfiles import finders
from knox.models import get_token_model
from openapi_spec_validator import validate

from salesorders.models import SalesOrder
from tests.api.conftest import BASE


@pytest.mark.django_db
def test_the_openapi_schema_is_valid_openapi_3_1(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    validate(schema)
    paths = schema["paths"]
    assert "/api/v2.0/salesOrders/{id}/issue" in paths
    assert "/api/v2.0/salesOrders/{order_pk}/salesOrderLines/{id}" in paths
    patch = paths["/api/v2.0/salesOrders/{id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])


@pytest.mark.django_db
def test_swagger_ui_and_redoc_are_served_from_our_static_files(manager_client):
    docs = manager_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content
    assert manager_client.get("/api/redoc/").status_code == 200
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


@pytest.mark.django_db(transaction=True)
def test_a_client_walks_an_order_through_with_a_token(live_server, manager_user, customer, part):
    """Create an order with lines, PATCH it with a stale ETag (409), issue it, read it back."""
    _instance, token = get_token_model().objects.create(user=manager_user)
    http = requests.Session()
    http.headers["Authorization"] = f"Token {token}"
    api = live_server.url + BASE

    created = http.post(
        f"{api}/salesOrders",
        json={
            "customerNumber": customer.code,
            "externalDocumentNumber": "WEB-1001",
            "salesOrderLines": [{"lineObjectNumber": part.sku, "quantity": "6"}],
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    order_url = f"{api}/salesOrders({created.json()['id']})"
    first_etag = created.headers["ETag"]

    added = http.post(
        f"{order_url}/salesOrderExtraLines",
        json={"description": "Freight", "unitPrice": "7.50"},
        timeout=10,
    )
    assert added.status_code == 201, added.text

    stale = http.patch(
        order_url,
        json={"notes": "leave at the gate"},
        headers={"If-Match": first_etag},
        timeout=10,
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    current = stale.headers["ETag"]

    issued = http.post(f"{order_url}/issue", headers={"If-Match": current}, timeout=10)
    assert issued.status_code == 204, issued.text

    read = http.get(f"{order_url}?$expand=salesOrderLines", timeout=10)
    body = read.json()
    assert read.status_code == 200
    assert body["status"] == "Released"
    assert body["totalAmountExcludingTax"] == "22.50"
    assert [line["quantity"] for line in body["salesOrderLines"]] == ["6.0000"]
    assert read.headers["ETag"] == issued.headers["ETag"]
    order = SalesOrder.objects.get(pk=body["id"])
    assert order.notes == ""
    assert order.status == SalesOrder.Status.ISSUED
