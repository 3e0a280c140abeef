"""Every 4xx is the error envelope, never an HTML page; bad input writes nothing."""

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from salesorders.models import SalesOrder, SalesOrderLine
from tests.api.conftest import BASE

pytestmark = pytest.mark.django_db


def envelope(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "target", "details"}
    return error


def test_no_credentials_is_401_with_www_authenticate(db):
    response = APIClient().get(f"{BASE}/salesOrders")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert envelope(response)["code"] == "Authentication_InvalidCredentials"


def test_a_revoked_or_wrong_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(f"{BASE}/customers").status_code == 401


def test_a_user_without_the_view_permission_gets_403(user):
    from tests.api.conftest import token_client

    response = token_client(user).get(f"{BASE}/salesOrders")
    assert response.status_code == 403
    assert envelope(response)["code"] == "Authorization_Forbidden"


def test_unknown_address_under_api_is_a_json_404(api):
    response = api.get("/api/v2.0/nothingHere")
    assert response.status_code == 404
    assert envelope(response)["code"] == "BadRequest_NotFound"


def test_missing_record_is_a_json_404(api):
    response = api.get(f"{BASE}/salesOrders(999999)")
    assert response.status_code == 404
    envelope(response)


def test_method_not_allowed_is_405_in_the_envelope(api, order):
    response = api.delete(f"{BASE}/salesOrders/{order.pk}", HTTP_IF_MATCH="*")
    assert response.status_code == 405
    assert envelope(response)["code"] == "BadRequest_MethodNotAllowed"
    assert SalesOrder.objects.filter(pk=order.pk).exists()


def test_form_data_is_415(api, customer):
    response = api.post(f"{BASE}/customers", {"displayName": "X"}, format="multipart")
    assert response.status_code == 415
    assert envelope(response)["code"] == "BadRequest_UnsupportedMediaType"


def test_unknown_and_read_only_fields_are_refused_not_ignored(api, customer):
    response = api.post(f"{BASE}/customers", {"displayName": "New", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert envelope(response)["target"] == "colour"
    read_only = api.post(
        f"{BASE}/customers", {"displayName": "New", "lastModifiedDateTime": "x"}, format="json"
    )
    assert read_only.status_code == 400
    assert "read-only" in envelope(read_only)["message"]
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        '{"lineObjectNumber": "BOLT-1", "quantity": NaN}',
        '{"lineObjectNumber": "BOLT-1", "quantity": Infinity}',
        '{"lineObjectNumber": "BOLT-1", "quantity": "1,5"}',
        '{"lineObjectNumber": "BOLT-1", "quantity": "123456789012"}',
        '{"lineObjectNumber": "BOLT-1", "quantity": 1e400}',
        '{"lineObjectNumber": "BOLT-1", "quantity": "2", "unitPrice": "99999999999999"}',
        '{"lineObjectNumber": "BOLT-1", "quantity": true}',
        '{"lineObjectNumber": "BOLT-1", "quantity": -3}',
        '{"lineObjectNumber": "BOLT-1", "quantity": "4", "discountPercent": "150"}',
        '{"lineObjectNumber": "BOLT-1"',
        "[1, 2]",
    ],
)
def test_bad_numbers_and_bodies_are_400_and_nothing_is_written(api, order, body):
    order.lines.all().delete()
    response = api.generic(
        "POST",
        f"{BASE}/salesOrders/{order.pk}/salesOrderLines",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    envelope(response)
    assert not SalesOrderLine.objects.filter(order=order).exists()


def test_a_huge_body_is_413(api, order):
    body = '{"description": "' + "x" * 1_200_000 + '"}'
    response = api.generic(
        "PATCH",
        f"{BASE}/salesOrders/{order.pk}",
        body,
        content_type="application/json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 413
    assert envelope(response)["code"] == "Request_EntityTooLarge"


def test_a_business_rule_is_a_400_with_the_services_sentence_at_the_field(api, order):
    line = order.lines.get()
    response = api.post(
        f"{BASE}/salesOrders/{order.pk}/salesOrderLines",
        {"itemId": line.part_id, "quantity": "1"},
        format="json",
    )
    assert response.status_code == 400
    error = envelope(response)
    assert error["code"] == "BadRequest_BusinessRule"
    assert error["target"] == "itemId"
    assert "already on this order" in error["message"]


def test_an_inactive_customer_cannot_get_an_order(api, customer):
    customer.active = False
    customer.save()
    response = api.post(f"{BASE}/salesOrders", {"customerId": customer.pk}, format="json")
    assert response.status_code == 400
    assert envelope(response)["target"] == "customerId"
    assert not SalesOrder.objects.exists()


def test_deep_insert_refused_line_writes_no_order(api, customer):
    response = api.post(
        f"{BASE}/salesOrders",
        {
            "customerId": customer.pk,
            "salesOrderLines": [{"lineObjectNumber": "NOPE", "quantity": 1}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert not SalesOrder.objects.exists()


def test_an_uncaught_error_under_api_is_json_not_html(api, order, monkeypatch, client):
    """A bug is still a bug (500), but the client reads the envelope, not a page."""
    from salesorders.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.SalesOrderViewSet, "retrieve", broken)
    api.raise_request_exception = False
    response = api.get(f"{BASE}/salesOrders/{order.pk}")
    assert response.status_code == 500
    assert envelope(response)["code"] == "Internal_ServerError"
