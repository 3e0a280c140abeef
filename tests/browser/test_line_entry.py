"""Entering an order's lines on the order page from the keyboard, with JavaScript (htmx: no page
load per line) and without (the same row posts as a plain form), and taking a three-line order
from an existing customer to a shipped shipment, counting page loads and clicks."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from salesorders import services
from salesorders.models import SalesOrder
from shipping.models import Shipment
from tests.browser.conftest import log_in
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    PartFactory,
    StockItemFactory,
    StockLocationFactory,
    UserFactory,
)

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


@pytest.fixture
def catalogue(db):
    """An existing customer and three stocked parts, one of them short of stock."""
    customer = CustomerFactory(code="HT-1", name="Harbour Tools GmbH", currency="EUR")
    shelf = StockLocationFactory(name="Aisle 1")
    parts = [
        PartFactory(sku="BOLT-8", name="Bolt M8", list_price=D("0.5000")),
        PartFactory(sku="NUT-8", name="Nut M8", list_price=D("0.2000")),
        PartFactory(sku="WASHER-8", name="Washer M8", list_price=D("0.1000")),
    ]
    for part, quantity in zip(parts, ("50", "50", "3"), strict=True):
        StockItemFactory(part=part, location=shelf, quantity=D(quantity))
    return customer, parts


class Counter:
    """Full page loads of the main frame (htmx swaps are none) and the clicks made."""

    def __init__(self, page):
        self.loads: list[str] = []
        self.clicks = 0
        page.on("load", lambda: self.loads.append(page.url))

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()


def pick_by_keyboard(page, box, text: str) -> None:
    """Type into a picker and take its single suggestion with Enter. Waits for the page's
    scripts first, as a person does not type into a page still loading: keys typed before
    htmx has bound the box ask for no suggestions (the server still takes a single match)."""
    page.wait_for_load_state("load")
    box.press_sequentially(text)
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.get_by_role("listbox")).to_have_count(0)


def enter_lines(page, lines) -> None:
    """From the part box of the order page's entry row: each part, Tab, quantity, Enter."""
    for sku, quantity in lines:
        box = page.get_by_role("combobox", name="Part")
        expect(box).to_be_focused()
        pick_by_keyboard(page, box, sku[:-2])  # "BOLT-8" -> "BOLT": one match
        expect(page.get_by_test_id("line-preview")).to_contain_text(sku)
        page.keyboard.press("Tab")
        page.keyboard.type(quantity)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id(f"line-{sku}")).to_be_visible()


def test_three_lines_from_the_keyboard_in_fewer_than_eight_page_loads(page, manager, catalogue):
    """Log in, New Sales Order, three lines typed into the entry row: the part box takes its
    single match with Enter, shows this customer's price and the free stock, Enter in the
    quantity adds the line without a page load; a quantity beyond free stock is added with a
    warning."""
    customer, _ = catalogue
    counter = Counter(page)
    page.goto("/accounts/login/")
    page.keyboard.type(manager.username)  # the username box has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/orders/new/")
    customer_box = page.get_by_role("combobox", name="Customer")
    customer_box.focus()
    pick_by_keyboard(page, customer_box, "Harbour")
    page.keyboard.press("Enter")  # the form: Create Sales Order
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales Order")

    # The cursor starts in the new order's part box (enter_lines checks it).
    enter_lines(page, [("BOLT-8", "20"), ("NUT-8", "20")])
    box = page.get_by_role("combobox", name="Part")
    pick_by_keyboard(page, box, "WASHER")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    expect(page.get_by_test_id("preview-short")).to_contain_text("2 pcs would wait for stock")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text(
        "Not enough free stock of WASHER-8: 2 pcs of the line must wait for stock."
    )
    expect(page.get_by_test_id("line-WASHER-8")).to_be_visible()
    expect(box).to_be_focused()

    order = SalesOrder.objects.get(customer=customer)
    assert sorted(order.lines.values_list("part_sku", "quantity")) == [
        ("BOLT-8", 20),
        ("NUT-8", 20),
        ("WASHER-8", 5),
    ]
    print(f"\nLOG IN TO THREE LINES: {len(counter.loads)} full page loads: {counter.loads}")
    assert len(counter.loads) < 8, counter.loads
    assert counter.clicks == 0


def test_a_line_is_edited_in_place_and_cancel_restores_it(page, manager, catalogue):
    customer, (bolt, *_) = catalogue
    order = services.salesorder_create(customer=customer, user=manager)
    services.salesorder_line_add(order=order, part=bolt, quantity=2, user=manager)
    log_in(page, manager)
    page.goto(order.get_absolute_url())
    counter = Counter(page)
    row = page.get_by_test_id("line-BOLT-8")
    row.get_by_role("link", name="Edit").click()
    form = page.get_by_role("form", name="Edit line BOLT-8")
    expect(form).to_be_visible()
    form.get_by_role("link", name="Cancel").click()
    expect(form).to_have_count(0)
    expect(page.get_by_test_id("line-BOLT-8")).to_be_visible()
    page.get_by_test_id("line-BOLT-8").get_by_role("link", name="Edit").click()
    quantity = page.get_by_role("form", name="Edit line BOLT-8").get_by_label("Quantity")
    expect(quantity).to_be_focused()
    quantity.fill("9")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Line BOLT-8 saved.")
    assert order.lines.get().quantity == 9
    assert counter.loads == []  # Edit, Cancel and Save: no page load


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_the_entry_row_and_the_add_line_page_add_lines(
    no_js_page, manager, catalogue
):
    customer, (bolt, nut, _) = catalogue
    order = services.salesorder_create(customer=customer, user=manager)
    page = no_js_page
    log_in(page, manager)
    page.goto(order.get_absolute_url())
    page.get_by_role("combobox", name="Part").fill("BOLT-8")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator(".messages")).to_contain_text("Added BOLT-8 x 3")
    page.get_by_role("link", name="Add Line Item").click()
    page.get_by_role("combobox", name="Part").fill("nut m8")
    page.get_by_label("Quantity").fill("4")
    page.get_by_role("button", name="Add Line Item").click()
    expect(page.get_by_test_id("line-NUT-8")).to_be_visible()
    assert sorted(order.lines.values_list("part_sku", "quantity")) == [("BOLT-8", 3), ("NUT-8", 4)]


def test_three_line_order_to_shipped_counting_page_loads_and_clicks(page, manager, catalogue):
    """The whole task: log in, New Sales Order for an existing customer, three lines, Issue,
    New Shipment, Auto Allocate, Complete Shipment. The figures are printed (-s shows them)."""
    customer, _ = catalogue
    counter = Counter(page)
    page.goto("/accounts/login/")
    page.keyboard.type(manager.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    counter.click(page.get_by_role("button", name="Sell"))
    counter.click(page.locator(".dropdown-menu").get_by_role("link", name="Sales Orders"))
    counter.click(page.get_by_role("link", name="New Sales Order"))
    customer_box = page.get_by_role("combobox", name="Customer")
    counter.click(customer_box)
    pick_by_keyboard(page, customer_box, "Harbour")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales Order")
    enter_lines(page, [("BOLT-8", "20"), ("NUT-8", "20"), ("WASHER-8", "3")])
    counter.click(page.get_by_role("button", name="Issue Order"))
    expect(page.locator(".messages")).to_contain_text("issued")
    counter.click(page.get_by_role("button", name="New Shipment"))
    expect(page.locator(".messages")).to_contain_text("Shipment 1 created.")
    counter.click(page.get_by_role("button", name="Auto Allocate"))
    expect(page.locator(".messages")).to_contain_text("allocated")
    counter.click(page.get_by_role("button", name="Complete Shipment"))
    expect(page.locator(".messages")).to_contain_text("Shipment 1 shipped")

    order = SalesOrder.objects.get(customer=customer)
    assert order.shipments.get().status == Shipment.Status.SHIPPED
    assert sorted(order.lines.values_list("part_sku", "shipped_quantity")) == [
        ("BOLT-8", 20),
        ("NUT-8", 20),
        ("WASHER-8", 3),
    ]
    print(f"\nFULL PAGE LOADS {len(counter.loads)}, CLICKS {counter.clicks}: {counter.loads}")
    assert len(counter.loads) <= 10
