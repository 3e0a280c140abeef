import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from approvals.models import ApprovalRule, ConditionKind
from config.roles import sync_role_groups
from salesorders import services
from tests.factories import CustomerFactory, PartFactory, UserFactory


def member(group: str, username: str):
    if not Group.objects.filter(name=group).exists():
        sync_role_groups(apps)
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def seller(db):
    return member("Sales", "sam")


@pytest.fixture
def manager(db):
    return member("Managers", "mia")


@pytest.fixture
def manager2(db):
    return member("Managers", "max")


@pytest.fixture
def controller(db):
    return member("Credit Control", "cora")


@pytest.fixture
def controller2(db):
    return member("Credit Control", "carl")


@pytest.fixture
def part(db):
    return PartFactory(sku="PUMP-1", name="Pump", list_price=Decimal("1000.0000"))


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Newco", currency="EUR", credit_limit=Decimal("5000.00"))


@pytest.fixture
def rules(db):
    """>= 10,000 EUR: Managers at stage 1; over the credit limit: Credit Control at stage 2."""
    sync_role_groups(apps)
    return [
        ApprovalRule.objects.create(
            name="Large order",
            stage=1,
            condition=ConditionKind.TOTAL_AT_LEAST,
            threshold=Decimal("10000"),
            approver_group=Group.objects.get(name="Managers"),
        ),
        ApprovalRule.objects.create(
            name="Credit",
            stage=2,
            condition=ConditionKind.EXCEEDS_CREDIT,
            approver_group=Group.objects.get(name="Credit Control"),
        ),
    ]


def make_order(customer, seller, part, quantity):
    order = services.salesorder_create(
        customer=customer,
        user=seller,
        target_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    services.salesorder_line_add(
        order=order, part=part, quantity=quantity, user=seller, tax_rate=None
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def big_order(customer, seller, part, rules):
    """12 x 1,000 EUR for a customer with a 5,000 limit: both rules match."""
    return make_order(customer, seller, part, 12)
