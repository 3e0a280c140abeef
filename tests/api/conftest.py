"""API clients: DRF's APIClient authenticated by a knox token, as another system would be."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from knox.models import get_token_model
from rest_framework.test import APIClient

from salesorders import services as order_services
from tests.factories import CustomerFactory, PartFactory, StockItemFactory

BASE = "/api/v2.0"


def token_client(user) -> APIClient:
    _instance, token = get_token_model().objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.token = token
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # throttling counts live in the cache; each test starts with a full budget


@pytest.fixture
def api(manager_user):
    """A client with a token of a manager (every permission the pages have)."""
    return token_client(manager_user)


@pytest.fixture
def sales_api(sales_user):
    return token_client(sales_user)


@pytest.fixture
def warehouse_api(warehouse_user):
    return token_client(warehouse_user)


@pytest.fixture
def customer(db):
    return CustomerFactory(code="10000", name="Adatum Corporation", currency="EUR")


@pytest.fixture
def part(db):
    return PartFactory(sku="BOLT-1", name="Bolt", list_price=Decimal("2.5000"))


@pytest.fixture
def order(customer, part, manager_user):
    """A Pending order with one line of 4 bolts, made through the services."""
    order = order_services.salesorder_create(customer=customer, user=manager_user)
    order_services.salesorder_line_add(
        order=order, part=part, quantity=Decimal("4"), user=manager_user
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def stocked_part(part):
    StockItemFactory(part=part, quantity=Decimal("50"))
    return part


def etag_of(response) -> str:
    return response["ETag"]
