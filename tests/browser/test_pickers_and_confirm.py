"""Pickers, confirmation steps and printable shipment documents in a real browser, with
JavaScript on and off where they behave differently."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from salesorders import services
from salesorders.models import SalesOrder
from shipping import services as shipping_services
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, PartFactory, StockItemFactory, StockLocationFactory
from tests.shipping.helpers import issued_order, new_shipment, order_line


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_the_customer_box_selects_its_single_match(no_js_page, sales_user):
    CustomerFactory(code="C-1", name="Acme Tools")
    CustomerFactory(code="C-2", name="Zenith Ltd")
    page = no_js_page
    log_in(page, sales_user)
    page.goto("/orders/new/")
    page.get_by_role("combobox", name="Customer").fill("zenith")
    page.get_by_role("button", name="Create Sales Order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales Order")
    assert SalesOrder.objects.get().customer_name == "Zenith Ltd"


def test_without_javascript_several_matches_are_listed_to_pick_one(no_js_page, sales_user):
    CustomerFactory(code="N-1", name="Acme North")
    CustomerFactory(code="S-1", name="Acme South")
    page = no_js_page
    log_in(page, sales_user)
    page.goto("/orders/new/")
    page.get_by_role("combobox", name="Customer").fill("acme")
    page.get_by_role("button", name="Create Sales Order").click()
    expect(page.get_by_text("“acme” matches 2; pick one below or type more.")).to_be_visible()
    page.get_by_test_id("customer-matches").select_option(label="S-1 Acme South")
    page.get_by_role("button", name="Create Sales Order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales Order")
    assert SalesOrder.objects.get().customer_name == "Acme South"


def test_with_javascript_the_part_is_picked_from_the_suggestions(page, sales_user):
    bolt = PartFactory(sku="BOLT-1", name="Hex bolt", list_price=Decimal("2.5000"))
    PartFactory(sku="BOLT-2", name="Carriage bolt")
    StockItemFactory(part=bolt, quantity=Decimal("31"))
    order = services.salesorder_create(customer=CustomerFactory(), user=sales_user)
    log_in(page, sales_user)
    page.goto(f"/orders/{order.pk}/lines/add/")
    box = page.get_by_role("combobox", name="Part")
    box.press_sequentially("bolt")
    suggestions = page.get_by_role("listbox")
    expect(suggestions.get_by_role("option")).to_have_count(2)
    expect(suggestions.get_by_role("option", name="BOLT-1 Hex bolt")).to_contain_text("31 pcs free")
    box.press("ArrowDown")  # to the first suggestion
    page.keyboard.press("Enter")  # pick it
    expect(box).to_have_value("BOLT-1 Hex bolt")
    expect(page.get_by_role("listbox")).to_have_count(0)
    page.get_by_label("Quantity").fill("4")
    page.get_by_role("button", name="Add Line Item").click()
    expect(page.get_by_test_id("line-BOLT-1")).to_be_visible()
    assert order.lines.get().part == bolt


@pytest.fixture
def pending_order(manager_user):
    order = services.salesorder_create(customer=CustomerFactory(), user=manager_user)
    services.salesorder_line_add(order=order, part=PartFactory(), quantity=2, user=manager_user)
    return order


def test_cancel_order_asks_to_confirm_in_a_dialog(page, manager_user, pending_order):
    log_in(page, manager_user)
    page.goto(pending_order.get_absolute_url())
    actions = page.get_by_test_id("order-actions")
    actions.get_by_text("More").click()
    actions.get_by_role("link", name="Cancel Order").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Cancel Order {pending_order.reference}?")
    # Going back leaves the order as it was.
    dialog.get_by_role("link", name=f"Back to {pending_order.reference}").click()
    expect(dialog).to_be_hidden()
    pending_order.refresh_from_db()
    assert pending_order.status == SalesOrder.Status.PENDING
    actions.get_by_text("More").click()
    actions.get_by_role("link", name="Cancel Order").click()
    dialog.get_by_label("Reason for cancelling").fill("Duplicate order")
    dialog.get_by_role("button", name="Cancel Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Cancelled")
    assert pending_order.events.filter(message__endswith=": Duplicate order").exists()


def test_without_javascript_cancel_order_confirms_on_a_page(
    no_js_page, manager_user, pending_order
):
    page = no_js_page
    log_in(page, manager_user)
    page.goto(pending_order.get_absolute_url())
    actions = page.get_by_test_id("order-actions")
    actions.get_by_text("More").click()  # a <details>: opens without JavaScript
    actions.get_by_role("link", name="Cancel Order").click()
    page.wait_for_url(f"**/orders/{pending_order.pk}/confirm/cancel/")
    pending_order.refresh_from_db()
    assert pending_order.status == SalesOrder.Status.PENDING
    page.get_by_label("Reason for cancelling").fill("Wrong customer")
    page.get_by_role("button", name="Cancel Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Cancelled")


def test_pick_list_groups_the_shipment_by_location(page, warehouse_user):
    order = issued_order()
    bolt, nut = PartFactory(sku="BOLT"), PartFactory(sku="NUT")
    lines = order_line(order, bolt, "3"), order_line(order, nut, "2")
    shelf_b, shelf_a = StockLocationFactory(name="Shelf B"), StockLocationFactory(name="Shelf A")
    shipment = new_shipment(order)
    for line, location in zip(lines, (shelf_b, shelf_a), strict=True):
        item = StockItemFactory(part=line.part, location=location)
        shipping_services.allocation_create(
            shipment=shipment, line=line, stock_item=item, quantity=line.quantity, user=None
        )
    log_in(page, warehouse_user)
    page.goto(shipment.get_absolute_url())
    page.get_by_role("link", name="Pick List").click()
    groups = page.get_by_test_id("pick-location")
    expect(groups).to_have_count(2)
    expect(groups.nth(0).get_by_role("heading")).to_have_text("Shelf A")
    expect(groups.nth(0)).to_contain_text("NUT")
    expect(groups.nth(1).get_by_role("heading")).to_have_text("Shelf B")
    expect(groups.nth(1)).to_contain_text("BOLT")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
