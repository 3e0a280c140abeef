"""A quote made in the browser and turned into an order."""

from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, PartFactory


def test_create_a_quote_with_a_line_and_make_it_an_order(page, sales_user):
    """New Quote, Add Line Item, Make Order (confirmed in its dialog): the new Pending order
    shows the line at the quote's price and says which quote it came from."""
    CustomerFactory(name="Acme Tools", currency="EUR")
    PartFactory(sku="BOLT-1", name="Hex bolt", list_price=Decimal("2.5000"))

    log_in(page, sales_user)
    page.goto("/quotes/")
    page.get_by_role("link", name="New Quote").click()
    page.get_by_role("combobox", name="Customer").fill("acme")
    page.get_by_role("button", name="Create Quote").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales Quote SQ-00001")
    expect(page.get_by_test_id("quote")).to_have_text("Draft")

    page.get_by_role("link", name="Add Line Item").click()
    page.get_by_role("combobox", name="Part").fill("BOLT-1")
    page.locator("#id_quantity").fill("4")
    page.locator("#id_unit_price").fill("2.25")
    page.get_by_role("button", name="Add Line Item").click()
    expect(page.get_by_test_id("line-BOLT-1")).to_contain_text("Manual")
    expect(page.get_by_test_id("subtotal")).to_have_text("9.00 EUR")

    page.get_by_test_id("quote-actions").get_by_role("link", name="Make Order").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Make Order").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales Order SO-0001")
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    expect(page.get_by_text("Sales order SO-0001 made from SQ-00001.")).to_be_visible()
    row = page.get_by_test_id("line-BOLT-1")
    expect(row).to_contain_text("Hex bolt")
    expect(row).to_contain_text("2.25")
    expect(page.get_by_test_id("source-quote")).to_contain_text("Made from quote SQ-00001")

    page.get_by_test_id("source-quote").get_by_role("link").click()
    expect(page.get_by_test_id("quote")).to_have_text("Accepted")
    expect(page.get_by_test_id("made-order")).to_contain_text("SO-0001")
