"""An order above the threshold for a new customer over its credit limit, through two stages of
approval, a reject with a comment and a resubmission, in a real browser."""

from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from approvals.models import ApprovalRule, ConditionKind
from config.roles import sync_role_groups
from salesorders import services
from salesorders.models import SalesOrder
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, PartFactory, UserFactory


def member(group: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_submit_warn_approve_reject_resubmit_and_issue(page):
    sync_role_groups(apps)
    seller = member("Sales", "sam")
    manager = member("Managers", "mia")
    controller = member("Credit Control", "cora")
    ApprovalRule.objects.create(
        name="Large order",
        stage=1,
        condition=ConditionKind.TOTAL_AT_LEAST,
        threshold=Decimal("10000"),
        approver_group=Group.objects.get(name="Managers"),
    )
    ApprovalRule.objects.create(
        name="Credit",
        stage=2,
        condition=ConditionKind.EXCEEDS_CREDIT,
        approver_group=Group.objects.get(name="Credit Control"),
    )
    customer = CustomerFactory(name="Newco", currency="EUR", credit_limit=Decimal("5000"))
    part = PartFactory(sku="PUMP-1", name="Pump", list_price=Decimal("1000.0000"))
    order = services.salesorder_create(customer=customer, user=seller)
    services.salesorder_line_add(order=order, part=part, quantity=12, user=seller)

    log_in(page, seller)
    page.goto(order.get_absolute_url())
    expect(page.get_by_test_id("credit-warning")).to_contain_text("over")
    actions = page.get_by_test_id("order-actions")
    expect(actions.get_by_role("button", name="Issue Order")).to_have_count(0)
    actions.get_by_role("button", name="Submit for Approval").click()
    step = page.get_by_test_id("confirm-step")
    expect(step).to_contain_text("credit limit is 5,000.00 EUR")
    expect(step).to_contain_text("over the limit")
    step.get_by_role("button", name="Submit for Approval").click()
    expect(page.get_by_test_id("status")).to_have_text("Pending Approval")

    log_in(page, manager)
    page.goto("/approvals/")
    row = page.get_by_test_id(f"approval-{order.reference}")
    expect(row).to_contain_text("Large order")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("waits for the next step")).to_be_visible()

    log_in(page, controller)
    page.goto("/approvals/")
    row = page.get_by_test_id(f"approval-{order.reference}")
    expect(row).to_contain_text("over the limit")
    row.get_by_label(f"Reason for rejecting {order.reference}").fill("Ask for a deposit first")
    row.get_by_role("button", name="Reject").click()
    expect(page.get_by_test_id("nothing-waiting")).to_be_visible()

    log_in(page, seller)
    page.goto(order.get_absolute_url())
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    expect(page.get_by_test_id("reject-comments")).to_contain_text("Ask for a deposit first")
    page.get_by_test_id("line-PUMP-1").get_by_role("link", name="Edit").click()
    edit = page.get_by_test_id("line-edit-PUMP-1")
    edit.get_by_label("Quantity").fill("11")
    edit.get_by_role("button", name="Save line").click()
    expect(page.get_by_test_id("line-PUMP-1")).to_contain_text("11")
    page.get_by_test_id("order-actions").get_by_role("button", name="Submit for Approval").click()
    page.get_by_test_id("confirm-step").get_by_role("button", name="Submit for Approval").click()
    expect(page.get_by_test_id("status")).to_have_text("Pending Approval")
    expect(page.get_by_test_id("approval-card")).to_contain_text("round 2")

    for approver in (manager, controller):
        log_in(page, approver)
        page.goto(order.get_absolute_url())
        page.get_by_test_id("decision-forms").get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Issued")
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrder.Status.ISSUED
    history = page.locator("#history")
    expect(history).to_contain_text("Rejected")
    expect(history).to_contain_text("Ask for a deposit first")
    expect(history).to_contain_text("Submitted for approval again (round 2)")
