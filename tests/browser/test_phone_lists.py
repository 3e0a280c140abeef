"""On a 390 px phone the order list is stacked cards with its filters folded, and nothing
scrolls sideways, with JavaScript on and off."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, SalesOrderFactory

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_order_list_on_a_phone_is_cards_without_sideways_scrolling(
    browser, live_server, sales_user, javascript
):
    customer = CustomerFactory(name="Hamburger Werkzeug- und Maschinenbau GmbH & Co. KG")
    SalesOrderFactory.create_batch(5, customer=customer, customer_reference="PO-2026-000123")
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=javascript
    )
    page = context.new_page()
    try:
        log_in(page, sales_user)
        page.goto("/orders/")
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        row = page.locator(".table-container tbody tr").first
        assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
        expect(page.get_by_label("Search")).to_be_hidden()  # the filters are folded
        page.get_by_text("Filters").click()
        expect(page.get_by_label("Search")).to_be_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_on_a_desktop_the_filters_are_open_and_the_list_a_table(page, sales_user):
    SalesOrderFactory()
    log_in(page, sales_user)
    page.goto("/orders/")
    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.locator(".table-container thead")).to_be_visible()
