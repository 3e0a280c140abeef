"""Idempotency-Key on POST, and per-token throttling."""

import datetime

import pytest
from django.utils import timezone

from core.models import IdempotencyKey
from salesorders.models import SalesOrder
from tests.api.conftest import BASE, token_client

pytestmark = pytest.mark.django_db


def test_a_repeated_post_with_the_same_key_returns_the_first_answer(api, customer):
    body = {"customerId": customer.pk, "externalDocumentNumber": "PO-1"}
    first = api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    assert SalesOrder.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api, customer):
    api.post(
        f"{BASE}/salesOrders",
        {"customerId": customer.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    other = api.post(
        f"{BASE}/salesOrders",
        {"customerId": customer.pk, "notes": "different"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "Request_IdempotencyKeyReused"
    assert SalesOrder.objects.count() == 1


def test_a_failed_post_keeps_no_key_so_it_can_be_retried(api, customer):
    customer.active = False
    customer.save()
    body = {"customerId": customer.pk}
    refused = api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    customer.active = True
    customer.save()
    retried = api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert retried.status_code == 201


def test_keys_are_per_user_and_expire_after_a_day(api, sales_api, customer):
    body = {"customerId": customer.pk}
    api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    sales_api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert SalesOrder.objects.count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    api.post(f"{BASE}/salesOrders", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert SalesOrder.objects.count() == 3


def test_a_bound_action_replays_too(api, order):
    url = f"{BASE}/salesOrders/{order.pk}/issue"
    first = api.post(url, HTTP_IF_MATCH="*", HTTP_IDEMPOTENCY_KEY="issue-1")
    again = api.post(url, HTTP_IF_MATCH="*", HTTP_IDEMPOTENCY_KEY="issue-1")
    assert first.status_code == again.status_code == 204
    assert again["Idempotent-Replayed"] == "true"


def test_each_token_has_its_own_budget_then_429_with_retry_after(settings, manager_user, order):
    settings.API_THROTTLE_RATE = "3/min"
    first, second = token_client(manager_user), token_client(manager_user)
    url = f"{BASE}/salesOrders/{order.pk}"
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
    throttled = first.get(url)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["error"]["code"] == "Request_TooManyRequests"
    assert second.get(url).status_code == 200
