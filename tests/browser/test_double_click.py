"""A double click on a POST button runs the action once and shows no error: the button
disables itself after the first click (static/app/submit-once.js), and the server answers a
repeat that still arrives with information, not a red error."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from shipping import services
from shipping.models import Shipment
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.shipping.helpers import assert_invariants, issued_order, order_line, stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def manager(db):
    from django.apps import apps

    from config.roles import sync_role_groups

    sync_role_groups(apps)  # transactional tests start with empty tables
    user = UserFactory(username="mia", first_name="Mia", last_name="Manager")
    user.groups.add(Group.objects.get(name="Managers"))
    return user


def test_double_clicked_complete_shipment_ships_once_without_an_error(page, manager):
    order = issued_order()
    line = order_line(order, quantity="3")
    shipment = services.shipment_create(order=order, user=manager)
    services.allocation_create(
        line=line,
        stock_item=stock(line.part, "10"),
        shipment=shipment,
        quantity=Decimal("3"),
        user=manager,
    )
    log_in(page, manager)
    page.goto(order.get_absolute_url())
    posts = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.url)
            if request.method == "POST" and "/complete/" in request.url
            else None
        ),
    )
    page.get_by_role("button", name="Complete Shipment").dblclick()
    page.locator(".messages").get_by_text(f"Shipment {shipment.reference} shipped.").wait_for()
    assert page.locator(".alert-danger").count() == 0
    assert len(posts) == 1
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED
    line.refresh_from_db()
    assert line.shipped_quantity == 3
    assert order.events.filter(kind="shipment_shipped").count() == 1
    assert_invariants()


def test_allocate_and_add_another_still_posts_its_button_with_javascript(page, manager):
    """The button is disabled after the submit, so its name and value are still sent: "Allocate
    and Add Another" comes back to the allocation form."""
    order = issued_order()
    line = order_line(order, quantity="4")
    item = stock(line.part, "10")
    shipment = services.shipment_create(order=order, user=manager)
    log_in(page, manager)
    page.goto(f"/shipping/orders/{order.pk}/shipments/{shipment.pk}/allocate/?line={line.pk}")
    expect(page.locator("select[name=stock_item]")).to_have_value(str(item.pk))  # suggested
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Allocate and Add Another").click()
    page.locator(".messages").get_by_text("Allocated 1").wait_for()
    assert "/allocate/" in page.url
