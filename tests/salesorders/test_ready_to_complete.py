"""The handover of a fully shipped order: its page says it is ready to complete and who may
do it, with Complete Order for them; it is in the "Ready to complete" queue until completed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from salesorders import services
from salesorders.models import SalesOrder
from tests.factories import UserFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
BANNER = 'data-testid="ready-to-complete"'


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


def queue(client) -> str:
    return client.get(reverse("salesorders:list"), {"ready_to_complete": "true"}).content.decode()


def test_a_fully_shipped_issued_order_shows_the_handover_and_is_in_the_queue(
    client, clerk, sales_user, manager_user
):
    order = make_order(clerk, [("4", "10.0000")])
    ship(order, clerk)
    client.force_login(sales_user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert BANNER in page
    assert "Ready to complete" in page and "waiting for Managers to complete" in page
    banner = page[page.index(BANNER) : page.index("</div>", page.index(BANNER))]
    assert 'data-action="complete"' not in banner  # Sales may not complete orders
    assert order.reference in queue(client)

    client.force_login(manager_user)
    page = client.get(order.get_absolute_url()).content.decode()
    banner = page[page.index(BANNER) : page.index("</div>", page.index(BANNER))]
    assert 'data-action="complete"' in banner and "Complete Order" in banner

    services.salesorder_complete(order=order, user=manager_user)
    assert BANNER not in client.get(order.get_absolute_url()).content.decode()
    assert order.reference not in queue(client)


@pytest.mark.parametrize("shipped", [None, "2"], ids=["nothing shipped", "partly shipped"])
def test_no_handover_while_something_is_left_to_ship(client, clerk, manager_user, shipped):
    order = make_order(clerk, [("4", "10.0000")])
    if shipped:
        ship(order, clerk, {order.lines.get(): shipped})
    client.force_login(manager_user)
    assert BANNER not in client.get(order.get_absolute_url()).content.decode()
    assert order.reference not in queue(client)


def test_no_handover_for_a_pending_or_held_order(client, clerk, manager_user):
    pending = make_order(clerk, [("4", "10.0000")], issue=False)
    held = make_order(clerk, [("4", "10.0000")])
    ship(held, clerk)
    services.salesorder_hold(order=held, reason="Customer query", user=clerk)
    client.force_login(manager_user)
    for order in (pending, held):
        assert BANNER not in client.get(order.get_absolute_url()).content.decode()
        assert order.reference not in queue(client)


def test_an_order_shipped_in_part_with_the_rest_cancelled_is_ready(client, clerk, manager_user):
    order = make_order(clerk, [("4", "10.0000")])
    line = order.lines.get()
    ship(order, clerk, {line: "3"})
    from shipping import services as shipping_services

    shipping_services.salesorderline_cancel_remaining(line=line, user=clerk)
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.ISSUED
    assert order.lines.get().cancelled_quantity == Decimal("1")
    client.force_login(manager_user)
    assert BANNER in client.get(order.get_absolute_url()).content.decode()
    assert order.reference in queue(client)
