"""Allocate Stock in one step: the page opens with the suggested stock item and quantity
chosen, so one submit allocates; choosing another item refills the quantity in place."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import StockLocationFactory
from tests.shipping.helpers import issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def allocating(warehouse_user):
    order = issued_order()
    line = order_line(order, quantity="10")
    shelf = StockLocationFactory(name="Aisle 7")
    old = stock(line.part, quantity="4", batch_code="OLD", location=shelf)
    new = stock(line.part, quantity="12", location=shelf)
    shipment = new_shipment(order)
    return order, line, old, new, shipment


def allocate_url(order, shipment) -> str:
    return f"/shipping/orders/{order.pk}/shipments/{shipment.pk}/allocate/"


def test_one_submit_allocates_the_suggested_item_and_another_item_refills_the_quantity(
    page, warehouse_user, allocating
):
    order, line, old, new, shipment = allocating
    log_in(page, warehouse_user)
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.goto(allocate_url(order, shipment))
    items = page.locator("select[name=stock_item]")
    expect(items).to_have_value(str(old.pk))
    expect(items).to_have_class("form-select")
    expect(page.get_by_label("Quantity")).to_have_value("4")
    items.select_option(str(new.pk))  # htmx asks the page again for this item
    expect(page.get_by_label("Quantity")).to_have_value("10")
    page.get_by_role("button", name="Allocate Stock", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"Allocated 10 pcs of {line.part_sku}")
    line.refresh_from_db()
    assert line.allocated_quantity == Decimal("10")
    assert new.allocations.get().quantity == Decimal("10")
    assert len(loads) == 2  # the page, and the order page after the one submit


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_the_suggestion_is_allocated_in_one_submit(
    no_js_page, warehouse_user, allocating
):
    order, line, old, _, shipment = allocating
    page = no_js_page
    log_in(page, warehouse_user)
    page.goto(allocate_url(order, shipment))
    page.get_by_role("button", name="Allocate Stock", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"Allocated 4 pcs of {line.part_sku}")
    assert old.allocations.get().quantity == Decimal("4")
