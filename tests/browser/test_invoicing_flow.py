"""Invoicing as Accounts and a manager do it in the browser: part of an order shipped and
invoiced, the rest shipped and invoiced in one step, a payment; the order's invoicing state
and the invoices' statuses as shown at each step."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from invoicing.models import Invoice
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.invoicing.helpers import make_order, ship

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


def message(page, text):
    page.locator(".messages").get_by_text(text).first.wait_for()


def invoicing_badge(page):
    return page.locator("#invoices").get_by_test_id("invoicing").first.inner_text()


def invoice_status(page):
    return page.locator("h1").get_by_test_id("invoice").inner_text()


def test_ship_part_invoice_it_then_ship_and_invoice_the_rest_and_record_a_payment(page, manager):
    order = make_order(manager, [("10", "10.0000"), ("4", "2.5000")])
    bolts, nuts = order.lines.order_by("sort_order", "pk")
    ship(order, manager, {bolts: "6"})
    log_in(page, manager)

    page.goto(order.get_absolute_url())
    assert invoicing_badge(page) == "Not invoiced"
    page.get_by_role("link", name="Create Invoice").click()
    quantity = page.get_by_label(f"Quantity of {bolts.part_sku}")
    assert quantity.input_value() == "6"
    page.get_by_role("button", name="Create Invoice").click()
    message(page, "created for")
    assert invoice_status(page) == "Draft"
    page.get_by_role("button", name="Post Invoice").click()
    message(page, "posted.")
    assert invoice_status(page) == "Posted"
    first = Invoice.objects.get()
    assert first.number and first.total == D("71.40")  # 6 x 10.00 + 19%

    page.goto(order.get_absolute_url())
    assert invoicing_badge(page) == "Partially invoiced"
    page.get_by_role("link", name="Ship and Invoice").click()
    page.get_by_role("dialog").get_by_role("button", name="Ship and Invoice").click()
    message(page, "shipped and invoiced")
    assert invoice_status(page) == "Posted"
    second = Invoice.objects.exclude(pk=first.pk).get()
    assert second.total == D("59.50")  # (4 x 10.00 + 4 x 2.50) + 19%

    page.goto(order.get_absolute_url())
    assert invoicing_badge(page) == "Invoiced"
    assert page.get_by_test_id("order-invoice").count() == 2
    page.get_by_role("link", name=second.number).click()
    page.get_by_role("link", name="Record Payment").click()
    assert page.get_by_label("Amount").input_value() == "59.50"
    page.get_by_label("Reference").fill("TX-4711")
    page.get_by_role("button", name="Record Payment").click()
    message(page, "Payment of 59.50 EUR recorded.")
    assert invoice_status(page) == "Paid"
    assert page.get_by_test_id("balance").inner_text() == "0.00 EUR"
    second.refresh_from_db()
    assert second.status == Invoice.Status.PAID
