import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from salesorders import services
from tests.factories import (
    CustomerFactory,
    ExchangeRateFactory,
    PartFactory,
    PriceBreakFactory,
    SalesOrderFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _factory_orders_numbered_apart():
    """Orders made by the factory (rows as stored) get numbers far from the services' ones."""
    SalesOrderFactory.reset_sequence(5000)


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk", first_name="Clara", last_name="Clerk")


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Acme Tools", currency="EUR")


@pytest.fixture
def part(db):
    return PartFactory(sku="BOLT-1", name="Bolt", list_price=Decimal("2.5000"))


@pytest.fixture
def part_with_break(db):
    part = PartFactory(sku="NUT-1", name="Nut", list_price=Decimal("1.0000"))
    PriceBreakFactory(part=part, min_quantity=Decimal("100"), unit_price=Decimal("0.8000"))
    return part


@pytest.fixture
def order(customer, clerk):
    return services.salesorder_create(
        customer=customer,
        user=clerk,
        target_date=timezone.localdate() + datetime.timedelta(days=10),
    )


@pytest.fixture
def rates(db):
    """Today's rates of USD (0.9 EUR) and GBP (1.15 EUR)."""
    return [
        ExchangeRateFactory(currency="USD", rate=Decimal("0.9")),
        ExchangeRateFactory(currency="GBP", rate=Decimal("1.15")),
    ]
