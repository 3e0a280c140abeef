"""Closed accounting periods in a real browser: Accounts closes a month; a sales person's order
dated in it is refused at the order date, and saves once dated today."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from accounting import services as accounting_services
from accounting.models import AccountingPeriod
from conftest import _user_in
from salesorders.models import SalesOrder
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory

TODAY = timezone.localdate()
LAST_MONTH_END = TODAY.replace(day=1) - datetime.timedelta(days=1)
LAST_MONTH_START = LAST_MONTH_END.replace(day=1)


def test_accounts_closes_a_period_and_an_order_dated_in_it_is_refused_until_dated_today(
    page, browser, live_server
):
    accountant = _user_in("Accounts", "alice")
    seller = _user_in("Sales", "sally")
    CustomerFactory(name="Acme Tools", currency="EUR")
    period = accounting_services.period_create(
        name="Last month", start=LAST_MONTH_START, end=LAST_MONTH_END, user=accountant
    )

    log_in(page, accountant)
    page.get_by_role("button", name="Accounts").click()  # the menu
    page.get_by_role("link", name="Accounting Periods").click()
    row = page.get_by_test_id("period-row").filter(has_text="Last month")
    expect(row.get_by_test_id("period")).to_have_text("Open")
    row.get_by_role("link", name="Close Period").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("No order, invoice or payment can then be dated in it")
    dialog.get_by_role("button", name="Close Period").click()
    expect(page.get_by_text("Last month closed.")).to_be_visible()
    expect(row.get_by_test_id("period")).to_have_text("Closed")
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.CLOSED

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    sales_page = context.new_page()
    log_in(sales_page, seller)
    sales_page.goto("/orders/new/")
    sales_page.get_by_role("combobox", name="Customer").fill("acme")
    date = sales_page.get_by_label("Order date")
    date.fill(LAST_MONTH_START.isoformat())
    sales_page.get_by_role("button", name="Create Sales Order").click()
    refusal = sales_page.locator("#id_order_date ~ .invalid-feedback, #error_1_id_order_date")
    expect(refusal.first).to_contain_text("falls in Last month, which is closed")
    expect(refusal.first).to_contain_text(f"such as today ({TODAY:%Y-%m-%d})")
    assert not SalesOrder.objects.exists()

    sales_page.get_by_label("Order date").fill(TODAY.isoformat())
    sales_page.get_by_role("button", name="Create Sales Order").click()
    expect(sales_page.get_by_role("heading", level=1)).to_contain_text("Sales Order SO-0001")
    order = SalesOrder.objects.get()
    assert order.order_date == TODAY
    context.close()
