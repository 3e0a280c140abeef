"""The Content-Security-Policy holds on the app's own pages: a real browser logs no violation
(every script and style is a static file), and the scripts still work under it."""

from decimal import Decimal

from playwright.sync_api import expect

from customers.models import Customer
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, SalesOrderLineFactory
from tests.shipping.helpers import issued_order, new_shipment, stock


def _watch_csp(page) -> list[str]:
    """The browser's console lines about the policy, each with the page it was logged on."""
    violations = []

    def seen(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", seen)
    return violations


def test_no_csp_violation_on_the_main_pages(page, manager_user):
    violations = _watch_csp(page)
    order = issued_order(target_date="2030-01-15")
    line = SalesOrderLineFactory(order=order, quantity=Decimal("3"))
    stock(line.part, quantity="5")
    shipment = new_shipment(order)
    page.goto("/accounts/login/")
    log_in(page, manager_user)
    pages = [
        "/",
        "/orders/",
        "/orders/new/",
        order.get_absolute_url(),
        f"/orders/{order.pk}/print/",
        f"/orders/{order.pk}/lines/add/",
        "/customers/",
        f"/customers/{order.customer_id}/",
        "/customers/new/",
        "/inventory/parts/",
        f"/inventory/parts/{line.part_id}/",
        "/inventory/stock/",
        "/inventory/stock/receive/",
        "/shipping/shipments/",
        shipment.get_absolute_url(),
        "/shipping/backorders/",
        "/calendar/",
        "/accounts/password/",
    ]
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations == []


def test_the_customer_picker_suggests_under_the_policy(page, manager_user):
    """The picker's script and htmx (static files) suggest customers as one types, with no
    policy violation."""
    violations = _watch_csp(page)
    CustomerFactory(name="Acme Tools")
    CustomerFactory(name="Zeta Parts")
    log_in(page, manager_user)
    page.goto("/orders/new/")
    page.get_by_role("combobox", name="Customer").press_sequentially("zeta")
    suggestions = page.get_by_role("listbox")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    expect(suggestions.get_by_role("option")).to_contain_text("Zeta Parts")
    assert violations == []


def test_a_double_click_on_create_customer_makes_one_customer(page, manager_user):
    log_in(page, manager_user)
    page.goto("/customers/new/")
    page.get_by_label("Name").fill("Harbour Tools GmbH")
    page.locator("form[method=post] button[type=submit]").last.dblclick()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Harbour Tools GmbH")
    page.wait_for_load_state("networkidle")
    assert Customer.objects.filter(name="Harbour Tools GmbH").count() == 1
