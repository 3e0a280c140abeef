"""A sales person's day with one order, in a real browser."""

from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, PartFactory, PriceBreakFactory


def test_create_price_issue_hold_release_and_cancel_an_order(page, manager_user):
    """New Sales Order, two lines (one priced by a price break), then through the lifecycle."""
    customer = CustomerFactory(name="Acme Tools", currency="EUR")
    CustomerFactory(name="Dormant Ltd", active=False)
    bolt = PartFactory(sku="BOLT-1", name="Hex bolt", list_price=Decimal("2.5000"))
    nut = PartFactory(sku="NUT-1", name="Hex nut", list_price=Decimal("1.0000"))
    PriceBreakFactory(part=nut, min_quantity=Decimal("100"), unit_price=Decimal("0.8000"))

    log_in(page, manager_user)
    page.goto("/orders/")
    page.get_by_role("link", name="New Sales Order").click()
    customer_select = page.locator("#id_customer")
    expect(customer_select.locator("option", has_text="Dormant Ltd")).to_have_count(0)
    customer_select.select_option(label=str(customer))
    page.get_by_role("button", name="Create Sales Order").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Sales Order SO-0001")
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    expect(page.get_by_text("No line items yet.")).to_be_visible()

    page.get_by_role("link", name="Add Line Item").click()
    page.locator("#id_part").select_option(label=str(bolt))
    page.locator("#id_quantity").fill("4")
    page.get_by_role("button", name="Add Line Item").click()
    expect(page.get_by_test_id("line-BOLT-1")).to_contain_text("List price")

    page.get_by_role("link", name="Add Line Item").click()
    page.locator("#id_part").select_option(label=str(nut))
    page.locator("#id_quantity").fill("100")
    page.get_by_role("button", name="Add Line Item").click()
    nut_row = page.get_by_test_id("line-NUT-1")
    expect(nut_row).to_contain_text("Price break: min qty 100")
    expect(nut_row).to_contain_text("0.8")
    # 4 x 2.50 + 100 x 0.80 = 90.00, VAT 20% = 18.00
    expect(page.get_by_test_id("subtotal")).to_have_text("90.00")
    expect(page.get_by_test_id("total")).to_have_text("108.00 EUR")

    actions = page.get_by_test_id("order-actions")
    expect(actions.get_by_role("button", name="Complete Order")).to_have_count(0)
    actions.get_by_role("button", name="Issue Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Issued")
    expect(page.get_by_text("SO-0001 issued.")).to_be_visible()
    expect(actions.get_by_role("button", name="Issue Order")).to_have_count(0)

    actions.get_by_label("Reason for the hold").fill("Credit check")
    actions.get_by_role("button", name="Hold Order").click()
    expect(page.get_by_test_id("status")).to_have_text("On Hold")
    expect(page.get_by_test_id("hold-reason")).to_contain_text("Credit check")
    expect(actions.get_by_role("button", name="Hold Order")).to_have_count(0)

    actions.get_by_role("button", name="Release").click()
    expect(page.get_by_test_id("status")).to_have_text("Issued")
    expect(page.get_by_test_id("hold-reason")).to_have_count(0)

    actions.get_by_label("Reason for cancelling").fill("Customer changed their mind")
    actions.get_by_role("button", name="Cancel Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Cancelled")
    expect(actions.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("link", name="Add Line Item")).to_have_count(0)
    history = page.locator("#history")
    for text in [
        "Order created",
        "Added BOLT-1",
        "Order issued",
        "Put on hold: Credit check",
        "Released from hold",
        "Order cancelled: Customer changed their mind",
    ]:
        expect(history).to_contain_text(text)
