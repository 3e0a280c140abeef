"""The dashboard and the order list's bulk actions as a person uses them in the browser."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from config.roles import sync_role_groups
from salesorders import services
from salesorders.models import SalesOrder
from shipping import services as shipping_services
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, UserFactory
from tests.invoicing.helpers import make_order

pytestmark = pytest.mark.django_db(transaction=True)


def member(username: str, group: str):
    sync_role_groups(apps)  # transactional tests start with empty tables
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_warehouse_dashboard_lists_a_shipment_to_pack_and_opens_the_filtered_list(page):
    walter = member("walter", "Warehouse")
    clerk = UserFactory(username="clerk")
    packing = make_order(clerk, [("3", "1.0000")])
    shipment = shipping_services.shipment_create(order=packing, user=clerk)
    shipping_services.order_auto_allocate(order=packing, shipment=shipment, user=clerk)
    shipped = make_order(clerk, [("1", "1.0000")])
    done = shipping_services.shipment_create(order=shipped, user=clerk)
    shipping_services.order_auto_allocate(order=shipped, shipment=done, user=clerk)
    shipping_services.shipment_complete(shipment=done, user=clerk)
    log_in(page, walter)

    page.goto("/")
    section = page.get_by_test_id("section-warehouse")
    card = section.get_by_test_id("card-to-pack")
    assert card.get_by_test_id("to-pack-count").inner_text() == "1"
    assert page.get_by_test_id("section-sales").count() == 0
    card.click()
    page.wait_for_url("**/shipping/shipments/?status=pending")
    table = page.locator("table")
    assert packing.reference in table.inner_text()
    assert shipped.reference not in table.inner_text()


def test_bulk_issue_of_three_orders_with_one_refused_through_the_list(page):
    sally = member("sally", "Sales")
    first = make_order(sally, issue=False)
    second = make_order(sally, issue=False)
    empty = services.salesorder_create(customer=CustomerFactory(), user=sally)
    log_in(page, sally)

    page.goto("/orders/")
    apply = page.get_by_role("button", name="Apply")
    assert apply.is_disabled()  # nothing ticked yet
    for order in (first, second, empty):
        row = page.locator("#order-table tbody tr").filter(has_text=order.reference)
        row.get_by_role("checkbox", name="Select").check()
    assert apply.is_enabled()
    page.get_by_label("With the selected orders").select_option(label="Issue")
    apply.click()

    page.wait_for_url("**/orders/bulk/result/")
    assert page.get_by_test_id("bulk-summary").inner_text() == "2 orders done, 1 refused."
    done = page.get_by_test_id("bulk-done")
    assert done.count() == 2
    assert f"{first.reference} issued." in done.all_inner_texts()[0] + done.all_inner_texts()[1]
    refused = page.get_by_test_id("bulk-refused")
    assert empty.reference in refused.inner_text()
    assert "has no lines; add a line item before issuing it." in refused.inner_text()
    statuses = dict(SalesOrder.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == SalesOrder.Status.ISSUED
    assert statuses[empty.pk] == SalesOrder.Status.PENDING


def test_select_all_ticks_every_row_of_the_page(page):
    sally = member("sally", "Sales")
    for _ in range(3):
        make_order(sally, issue=False)
    log_in(page, sally)
    page.goto("/orders/")
    page.get_by_role("checkbox", name="Select all").check()
    boxes = page.get_by_role("checkbox", name="Select", exact=True)
    assert boxes.count() == 3
    assert all(boxes.nth(i).is_checked() for i in range(3))
    assert page.get_by_role("button", name="Apply").is_enabled()


def test_the_reason_box_shows_for_hold_only(page):
    sally = member("sally", "Sales")
    make_order(sally, issue=False)
    log_in(page, sally)
    page.goto("/orders/")
    reason = page.get_by_role("textbox", name="Reason (for Hold)")
    assert reason.is_hidden()
    page.get_by_label("With the selected orders").select_option(label="Hold (give a reason)")
    assert reason.is_visible()
    page.get_by_label("With the selected orders").select_option(label="Issue")
    assert reason.is_hidden()
