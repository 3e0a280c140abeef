"""shipping.demo ships, part-ships and backorders the issued orders it is given."""

import random

import pytest

from salesorders.models import SalesOrder
from shipping import demo
from shipping.models import Shipment
from tests.factories import PartFactory, UserFactory
from tests.shipping.helpers import assert_invariants, issued_order, order_line, stock

pytestmark = pytest.mark.django_db


def test_demo_build_leaves_shipped_partly_shipped_pending_and_backordered_orders():
    parts = [PartFactory() for _ in range(3)]
    for part in parts:
        stock(part, quantity="40")
    orders = []
    for _ in range(10):
        order = issued_order()
        for part in parts[:2]:
            order_line(order, part, "5")
        orders.append(order)
    users = {name: UserFactory(username=name) for name in ("demo", "warehouse")}
    ctx = {"rng": random.Random(1), "users": users, "orders": orders}

    demo.build(ctx)

    assert Shipment.objects.filter(status__in=["shipped", "delivered"]).exists()
    assert Shipment.objects.filter(status="pending").exists()
    states = set(SalesOrder.objects.with_delivery_state().values_list("delivery_state", flat=True))
    assert {"shipped", "partially_shipped", "not_shipped"} <= states
    assert SalesOrder.objects.filter(status=SalesOrder.Status.COMPLETE).exists()
    assert ctx["shipments"]
    assert_invariants()
