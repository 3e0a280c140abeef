import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from quotes import services
from tests.factories import CustomerFactory, PartFactory, PriceBreakFactory, UserFactory


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk", first_name="Clara", last_name="Clerk")


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Acme Tools", currency="EUR")


@pytest.fixture
def bolt(db):
    return PartFactory(sku="BOLT-1", name="Bolt", list_price=Decimal("2.5000"))


@pytest.fixture
def nut(db):
    part = PartFactory(sku="NUT-1", name="Nut", list_price=Decimal("1.0000"))
    PriceBreakFactory(part=part, min_quantity=Decimal("100"), unit_price=Decimal("0.8000"))
    return part


@pytest.fixture
def quote(customer, clerk):
    return services.quote_create(customer=customer, user=clerk)


@pytest.fixture
def quote_with_lines(quote, bolt, nut, clerk):
    """SQ with 4 x BOLT-1 at a manual 2.2000 less 10 %, and 100 x NUT-1 at its price break."""
    services.quote_line_add(
        quote=quote,
        part=bolt,
        quantity="4",
        unit_price="2.2000",
        discount_percent="10",
        user=clerk,
    )
    services.quote_line_add(quote=quote, part=nut, quantity="100", user=clerk)
    quote.refresh_from_db()
    return quote


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
