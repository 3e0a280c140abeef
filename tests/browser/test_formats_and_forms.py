"""Dates, money and form pages in a real browser: the date picker posts ISO dates, Cancel
leaves a form without saving, and a Pending order prints as a draft."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from salesorders import services
from salesorders.models import SalesOrder
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, PartFactory


@pytest.fixture
def pending_order(manager_user):
    order = services.salesorder_create(customer=CustomerFactory(), user=manager_user)
    part = PartFactory(list_price=Decimal("11.2000"))
    services.salesorder_line_add(order=order, part=part, quantity=40, user=manager_user)
    return order


def test_the_order_edit_page_has_iso_date_pickers_and_cancel_goes_back(
    page, manager_user, pending_order
):
    log_in(page, manager_user)
    page.goto(pending_order.get_absolute_url())
    page.get_by_role("link", name="Edit", exact=True).first.click()
    order_date = page.get_by_label("Order date")
    assert order_date.get_attribute("type") == "date"
    assert order_date.input_value() == pending_order.order_date.isoformat()
    page.get_by_label("Target (ship-by) date").fill("2027-01-10")  # what a date picker posts
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"**{pending_order.get_absolute_url()}")
    pending_order.refresh_from_db()
    assert pending_order.target_date is None  # Cancel saved nothing
    page.get_by_role("link", name="Edit", exact=True).first.click()
    page.get_by_label("Target (ship-by) date").fill("2027-01-10")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("10 Jan 2027")).to_be_visible()
    pending_order.refresh_from_db()
    assert pending_order.target_date == datetime.date(2027, 1, 10)


def test_a_pending_order_prints_as_a_draft_with_formatted_money(page, manager_user, pending_order):
    log_in(page, manager_user)
    page.goto(f"{pending_order.get_absolute_url()}print/")
    expect(page.get_by_test_id("draft-mark")).to_be_visible()
    expect(page.get_by_test_id("draft-mark")).to_contain_text("DRAFT")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("draft-mark")).to_be_visible()
    body = page.locator("body").inner_text()
    assert "11.20 EUR" in body and "448.00 EUR" in body  # 40 x 11.20 in the order's currency
    services.salesorder_issue(order=SalesOrder.objects.get(pk=pending_order.pk), user=manager_user)
    page.reload()
    expect(page.get_by_test_id("draft-mark")).to_have_count(0)
