"""Shipping as a person does it in the browser: from a new order to Complete Order, and a
cancelled order whose allocated stock becomes available again."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from inventory.models import StockItem
from salesorders.models import SalesOrder
from shipping import services
from shipping.models import Shipment
from tests.browser.conftest import log_in
from tests.factories import (
    CustomerFactory,
    PartFactory,
    StockItemFactory,
    StockLocationFactory,
    UserFactory,
)
from tests.shipping.helpers import assert_invariants, issued_order, order_line

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def manager(db):
    from django.apps import apps

    from config.roles import sync_role_groups

    sync_role_groups(apps)  # transactional tests start with empty tables
    user = UserFactory(username="mia", first_name="Mia", last_name="Manager")
    user.groups.add(Group.objects.get(name="Managers"))
    return user


def message(page, text):
    page.locator(".messages").get_by_text(text).first.wait_for()


def test_order_to_two_shipments_to_complete_order(page, manager):
    """New order, two lines, issue; ship line one from two stock items with a tracking number;
    a second shipment for the rest; Complete Order."""
    customer = CustomerFactory(name="Harbour Tools GmbH")
    bolts, nuts = PartFactory(sku="BOLT-8", name="Bolt M8"), PartFactory(sku="NUT-8", name="Nut")
    aisle1, aisle2 = StockLocationFactory(name="Aisle 1"), StockLocationFactory(name="Aisle 2")
    old_bolts = StockItemFactory(part=bolts, location=aisle1, quantity=D("4"), batch_code="B1")
    new_bolts = StockItemFactory(part=bolts, location=aisle2, quantity=D("10"))
    nut_stock = StockItemFactory(part=nuts, location=aisle1, quantity=D("5"))
    log_in(page, manager)

    page.goto("/orders/")
    page.get_by_role("link", name="New Sales Order").click()
    page.get_by_role("combobox", name="Customer").fill(customer.code)
    page.get_by_role("button", name="Create Sales Order").click()
    page.get_by_role("link", name="Add Line Item").wait_for()
    order = SalesOrder.objects.get(customer=customer)
    for part, quantity in ((bolts, "6"), (nuts, "3")):
        page.get_by_role("link", name="Add Line Item").click()
        page.get_by_role("combobox", name="Part").fill(part.sku)
        page.locator("input[name=quantity]").fill(quantity)
        page.get_by_role("button", name="Add Line Item").click()
        page.get_by_role("link", name="Add Line Item").wait_for()
    page.get_by_role("button", name="Issue Order").click()
    page.get_by_role("button", name="New Shipment").click()
    message(page, "Shipment 1 created.")

    # Allocate Stock: six bolts, four from the old batch and two from the newer item.
    bolt_line = order.lines.get(part=bolts)
    # The page opens on the first line with its oldest item and what that can give chosen.
    page.get_by_role("link", name="Allocate Stock").click()
    expect(page.locator("select[name=line]")).to_have_value(str(bolt_line.pk))
    expect(page.locator("select[name=stock_item]")).to_have_value(str(old_bolts.pk))
    expect(page.get_by_label("Quantity")).to_have_value("4")
    page.get_by_role("button", name="Allocate and Add Another").click()
    message(page, "Allocated 4 pcs of BOLT-8")
    expect(page.locator("select[name=stock_item]")).to_have_value(str(new_bolts.pk))
    expect(page.get_by_label("Quantity")).to_have_value("2")
    page.get_by_role("button", name="Allocate Stock", exact=True).click()
    message(page, "Allocated 2 pcs of BOLT-8")

    page.get_by_label("Carrier").fill("DHL")
    page.get_by_label("Tracking number").fill("JD0146000")
    page.get_by_role("button", name="Complete Shipment").click()
    message(page, "Shipment 1 shipped (tracking JD0146000).")
    page.get_by_text("Completed Shipments").wait_for()
    assert page.get_by_text("JD0146000").first.is_visible()

    # The rest in a second shipment.
    page.get_by_role("button", name="New Shipment").click()
    message(page, "Shipment 2 created.")
    page.get_by_role("button", name="Auto Allocate").click()
    message(page, "allocated 3")
    page.get_by_role("button", name="Complete Shipment").click()
    message(page, "Shipment 2 shipped")

    page.get_by_test_id("order-actions").get_by_role("link", name="Complete Order").click()
    page.get_by_role("dialog").get_by_role("button", name="Complete Order").click()
    page.get_by_text("Complete", exact=True).first.wait_for()

    order.refresh_from_db()
    assert order.status == SalesOrder.Status.COMPLETE
    quantities = {
        item.pk: item.quantity
        for item in StockItem.objects.filter(pk__in=[old_bolts.pk, new_bolts.pk, nut_stock.pk])
    }
    assert quantities == {old_bolts.pk: 0, new_bolts.pk: 8, nut_stock.pk: 2}
    first = order.shipments.get(reference="1")
    assert (first.status, first.tracking_number, first.carrier) == ("shipped", "JD0146000", "DHL")
    assert order.shipments.filter(status=Shipment.Status.SHIPPED).count() == 2
    assert_invariants()


def test_cancelling_an_order_makes_its_allocated_stock_available_again(page, manager):
    """Stock allocated to an order that is cancelled shows as available for the next order."""
    part = PartFactory(sku="PUMP-1", name="Pump")
    item = StockItemFactory(part=part, quantity=D("5"), location=StockLocationFactory(name="Bay"))
    doomed = issued_order(customer_name="Doomed Ltd")
    line = order_line(doomed, part, "5")
    shipment = services.shipment_create(order=doomed, user=manager)
    services.allocation_create(
        line=line, stock_item=item, shipment=shipment, quantity=D("5"), user=manager
    )
    waiting = issued_order()
    waiting_line = order_line(waiting, part, "3")
    waiting_shipment = services.shipment_create(order=waiting, user=manager)
    log_in(page, manager)

    allocate_url = f"/shipping/orders/{waiting.pk}/shipments/{waiting_shipment.pk}/allocate/"
    page.goto(f"{allocate_url}?line={waiting_line.pk}")
    page.get_by_text("No stock of this part is available.").wait_for()

    page.goto(doomed.get_absolute_url())
    page.get_by_text(f"#{item.pk} · Bay").wait_for()
    page.get_by_test_id("order-actions").get_by_text("More").click()
    page.get_by_role("link", name="Cancel Order").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel Order").click()
    page.get_by_text("Cancelled", exact=True).first.wait_for()

    page.goto(f"{allocate_url}?line={waiting_line.pk}")
    expect(page.locator("select[name=stock_item]")).to_have_value(str(item.pk))  # 5 available
    expect(page.get_by_label("Quantity")).to_have_value("3")
    item.refresh_from_db()
    assert item.allocated_quantity == 0
    assert_invariants()
