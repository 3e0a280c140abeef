"""A sales person's day with one order, in a real browser."""

from decimal import Decimal

from playwright.sync_api import expect

from salesorders import services
from salesorders.models import SalesOrderLine
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, PartFactory, PriceBreakFactory


def test_create_price_issue_hold_release_and_cancel_an_order(page, manager_user):
    """New Sales Order, two lines (one priced by a price break), then through the lifecycle."""
    CustomerFactory(name="Acme Tools", currency="EUR")
    CustomerFactory(name="Dormant Ltd", active=False)
    bolt = PartFactory(sku="BOLT-1", name="Hex bolt", list_price=Decimal("2.5000"))
    nut = PartFactory(sku="NUT-1", name="Hex nut", list_price=Decimal("1.0000"))
    PriceBreakFactory(part=nut, min_quantity=Decimal("100"), unit_price=Decimal("0.8000"))

    log_in(page, manager_user)
    page.goto("/orders/")
    page.get_by_role("link", name="New Sales Order").click()
    page.get_by_role("combobox", name="Customer").fill("dormant")
    page.get_by_role("button", name="Create Sales Order").click()
    expect(page.get_by_text("Nothing matches “dormant”.")).to_be_visible()  # inactive
    page.get_by_role("combobox", name="Customer").fill("acme")
    page.get_by_role("button", name="Create Sales Order").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Sales Order SO-0001")
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    expect(page.get_by_text("No line items yet.")).to_be_visible()

    page.get_by_role("link", name="Add Line Item").click()
    page.get_by_role("combobox", name="Part").fill(bolt.sku)
    page.locator("#id_quantity").fill("4")
    page.get_by_role("button", name="Add Line Item").click()
    expect(page.get_by_test_id("line-BOLT-1")).to_contain_text("List price")

    page.get_by_role("link", name="Add Line Item").click()
    page.get_by_role("combobox", name="Part").fill(nut.sku)
    page.locator("#id_quantity").fill("100")
    page.get_by_role("button", name="Add Line Item").click()
    nut_row = page.get_by_test_id("line-NUT-1")
    expect(nut_row).to_contain_text("Price break: min qty 100")
    expect(nut_row).to_contain_text("0.80 EUR")
    # 4 x 2.50 + 100 x 0.80 = 90.00, VAT 20% = 18.00
    expect(page.get_by_test_id("subtotal")).to_have_text("90.00 EUR")
    expect(page.get_by_test_id("total")).to_have_text("108.00 EUR")

    actions = page.get_by_test_id("order-actions")
    expect(actions.get_by_role("link", name="Complete Order")).to_have_count(0)
    actions.get_by_role("button", name="Issue Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Issued")
    expect(page.get_by_text("SO-0001 issued.")).to_be_visible()
    expect(actions.get_by_role("button", name="Issue Order")).to_have_count(0)

    actions.get_by_text("More").click()
    actions.get_by_role("link", name="Hold Order").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason for the hold").fill("Credit check")
    dialog.get_by_role("button", name="Hold Order").click()
    expect(page.get_by_test_id("status")).to_have_text("On Hold")
    expect(page.get_by_test_id("hold-reason")).to_contain_text("Credit check")
    expect(actions.get_by_role("link", name="Hold Order")).to_have_count(0)

    actions.get_by_role("button", name="Release").click()
    expect(page.get_by_test_id("status")).to_have_text("Issued")
    expect(page.get_by_test_id("hold-reason")).to_have_count(0)

    actions.get_by_text("More").click()
    actions.get_by_role("link", name="Cancel Order").click()
    dialog.get_by_label("Reason for cancelling").fill("Customer changed their mind")
    dialog.get_by_role("button", name="Cancel Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Cancelled")
    expect(actions.locator("[data-action]")).to_have_count(0)
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


def test_edit_remove_and_cancel_the_rest_of_lines_from_the_order_page(page, manager_user):
    """Edit opens the line's form in its place on the order page; Remove and Cancel Remaining
    are buttons."""
    customer = CustomerFactory(name="Acme Tools", currency="EUR")
    bolt = PartFactory(sku="BOLT-1", name="Hex bolt", list_price=Decimal("2.5000"))
    nut = PartFactory(sku="NUT-1", name="Hex nut", list_price=Decimal("1.0000"))
    order = services.salesorder_create(customer=customer, user=manager_user)
    services.salesorder_line_add(order=order, part=bolt, quantity=4, user=manager_user)
    services.salesorder_line_add(order=order, part=nut, quantity=10, user=manager_user)

    log_in(page, manager_user)
    page.goto(order.get_absolute_url())
    page.get_by_test_id("line-NUT-1").get_by_role("link", name="Edit").click()
    editor = page.get_by_role("form", name="Edit line NUT-1")
    expect(editor.get_by_label("Quantity")).to_have_value("10")
    editor.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("form", name="Edit line NUT-1")).to_have_count(0)

    page.get_by_test_id("line-BOLT-1").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Sales Order {order.reference}")
    editor = page.get_by_role("form", name="Edit line BOLT-1")
    expect(editor.get_by_label("Quantity")).to_have_value("4")
    editor.get_by_label("Quantity").fill("6")
    editor.get_by_label("Unit price").fill("3")
    editor.get_by_label("Discount %").fill("10")
    editor.get_by_label("Tax rate").select_option(label="No tax")
    editor.get_by_label("Notes").fill("Zinc plated")
    editor.get_by_role("button", name="Save line").click()

    expect(page.get_by_text("Line BOLT-1 saved.")).to_be_visible()
    bolt_row = page.get_by_test_id("line-BOLT-1")
    expect(bolt_row).to_contain_text("6 pcs")
    expect(bolt_row).to_contain_text("Manual")
    expect(bolt_row).to_contain_text("Zinc plated")
    # 6 x 3.00 less 10% = 16.20 untaxed, + 10 x 1.00 + 20% VAT = 12.00
    expect(page.get_by_test_id("total")).to_have_text("28.20 EUR")

    page.get_by_test_id("line-NUT-1").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Removed NUT-1.")).to_be_visible()
    expect(page.get_by_test_id("line-NUT-1")).to_have_count(0)
    expect(page.get_by_test_id("total")).to_have_text("16.20 EUR")

    page.get_by_test_id("order-actions").get_by_role("button", name="Issue Order").click()
    expect(page.get_by_test_id("status")).to_have_text("Issued")
    bolt_row.get_by_role("button", name="Cancel Remaining").click()
    expect(page.get_by_text("Cancelled the rest of BOLT-1.")).to_be_visible()
    expect(bolt_row.get_by_role("button", name="Cancel Remaining")).to_have_count(0)
    assert SalesOrderLine.objects.get(part=bolt).cancelled_quantity == 6


def test_a_long_order_shows_its_lines_a_page_at_a_time(page, manager_user):
    """150 lines: the first 100, then Next shows the other 50; the count says 150."""
    customer = CustomerFactory(name="Acme Tools", currency="EUR")
    order = services.salesorder_create(customer=customer, user=manager_user)
    parts = PartFactory.create_batch(150, default_tax_rate=None)
    SalesOrderLine.objects.bulk_create(
        SalesOrderLine(
            order=order,
            part=part,
            part_name=part.name,
            part_sku=part.sku,
            unit=part.unit,
            quantity=Decimal("1"),
            unit_price=part.list_price,
            sort_order=number,
        )
        for number, part in enumerate(parts, start=1)
    )

    log_in(page, manager_user)
    page.goto(order.get_absolute_url())
    expect(page.get_by_test_id("lines-count")).to_have_text("150")
    rows = page.locator("#line-table tbody tr")
    expect(rows).to_have_count(100)
    expect(page.get_by_test_id(f"line-{parts[99].sku}")).to_be_visible()
    expect(page.get_by_test_id(f"line-{parts[100].sku}")).to_have_count(0)
    pages = page.get_by_test_id("lines-pages")
    expect(pages).to_contain_text("Lines 1–100 of 150")
    pages.get_by_role("link", name="Next").click()
    page.wait_for_url("**?lines_page=2")
    expect(rows).to_have_count(50)
    expect(page.get_by_test_id(f"line-{parts[149].sku}")).to_be_visible()
    expect(pages).to_contain_text("Lines 101–150 of 150")
