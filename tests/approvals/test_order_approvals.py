"""The approval gate and the credit check on sales orders' lifecycle."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from approvals.exceptions import AlreadyDecidedError, DecisionRefusedError
from approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStep
from salesorders import services
from salesorders.exceptions import CreditLimitError, CreditWarningError, OrderStateError
from salesorders.models import CreditPolicy, CreditWarning, SalesOrder, SalesOrderSettings
from salesorders.selectors import credit_position, salesorder_approval_check
from tests.approvals.conftest import make_order

pytestmark = pytest.mark.django_db
S = SalesOrder.Status


def submit(order, user):
    return services.salesorder_submit(order=order, user=user, credit_acknowledged=True)


def current_step(order):
    request = ApprovalRequest.objects.for_document(order).pending().get()
    return request.steps.get(stage=request.current_stage)


def decide(order, user, approve=True, comment=""):
    return services.salesorder_approval_decide(
        order=order,
        step_id=current_step(order).pk,
        approve=approve,
        user=user,
        comment=comment,
    )


def test_an_order_matching_a_rule_cannot_be_issued_and_must_be_submitted(big_order, seller):
    with pytest.raises(OrderStateError, match="needs approval before it is issued"):
        services.salesorder_issue(order=big_order, user=seller, credit_acknowledged=True)
    assert SalesOrder.objects.get(pk=big_order.pk).status == S.PENDING


def test_an_order_matching_no_rule_issues_and_cannot_be_submitted(customer, seller, part, rules):
    order = make_order(customer, seller, part, 1)
    with pytest.raises(OrderStateError, match="needs no approval"):
        submit(order, seller)
    services.salesorder_issue(order=order, user=seller)
    assert SalesOrder.objects.get(pk=order.pk).status == S.ISSUED


def test_submit_over_the_limit_warns_first_then_records_the_acknowledgement(big_order, seller):
    with pytest.raises(CreditWarningError) as warned:
        services.salesorder_submit(order=big_order, user=seller)
    assert "credit limit is 5,000.00" in str(warned.value)
    assert "7,000.00" in str(warned.value)  # 12,000 exposure, 7,000 over
    assert not ApprovalRequest.objects.exists()
    submit(big_order, seller)
    warning = CreditWarning.objects.get()
    assert (warning.user, warning.credit_limit, warning.exposure, warning.excess) == (
        seller,
        Decimal("5000.00"),
        Decimal("12000.00"),
        Decimal("7000.00"),
    )
    assert big_order.events.filter(kind="credit_warning").exists()


def test_stages_run_in_order_and_the_last_approval_issues_the_order(
    big_order, seller, manager, controller
):
    submit(big_order, seller)
    order = SalesOrder.objects.get(pk=big_order.pk)
    assert order.status == S.PENDING_APPROVAL
    assert [s.stage for s in ApprovalStep.objects.order_by("stage")] == [1, 2]
    with pytest.raises(DecisionRefusedError, match="Only Managers may decide"):
        decide(order, controller)  # stage 1 is Managers'
    decide(order, manager)
    assert SalesOrder.objects.get(pk=order.pk).status == S.PENDING_APPROVAL
    decide(order, controller)
    order.refresh_from_db()
    assert order.status == S.ISSUED and order.approved_at and order.issued_by == controller
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds.count("approved") == 2 and "submitted" in kinds and "issued" in kinds


def test_a_decision_on_a_step_that_is_not_current_is_refused(big_order, seller, controller):
    submit(big_order, seller)
    later = ApprovalStep.objects.get(stage=2)
    with pytest.raises(DecisionRefusedError, match="not waiting for a decision now"):
        services.salesorder_approval_decide(
            order=big_order, step_id=later.pk, approve=True, user=controller
        )
    assert not ApprovalDecision.objects.exists()


def test_nobody_approves_their_own_order(big_order, seller, manager):
    big_order.created_by = manager
    SalesOrder.objects.filter(pk=big_order.pk).update(created_by=manager)
    submit(big_order, seller)
    with pytest.raises(DecisionRefusedError, match="someone else must decide"):
        decide(big_order, manager)
    with pytest.raises(DecisionRefusedError):
        decide(big_order, seller)


def test_one_person_gives_one_decision_per_step(big_order, seller, manager, manager2):
    submit(big_order, seller)
    ApprovalStep.objects.filter(stage=1).update(needed=2)
    decide(big_order, manager)
    with pytest.raises(AlreadyDecidedError):
        decide(big_order, manager)
    decide(big_order, manager2)
    assert ApprovalStep.objects.get(stage=1).status == "approved"


def test_reject_needs_a_comment_and_sends_the_order_back_to_pending(big_order, seller, manager):
    submit(big_order, seller)
    with pytest.raises(DecisionRefusedError, match="comment is required"):
        decide(big_order, manager, approve=False)
    decide(big_order, manager, approve=False, comment="Too much at once")
    order = SalesOrder.objects.get(pk=big_order.pk)
    assert order.status == S.PENDING
    assert order.events.filter(kind="rejected", message__contains="Too much at once").exists()


def test_resubmit_starts_a_new_round_and_a_step_of_the_old_round_is_refused(
    big_order, seller, manager
):
    submit(big_order, seller)
    old = current_step(big_order)
    decide(big_order, manager, approve=False, comment="No")
    submit(big_order, seller)
    assert ApprovalRequest.objects.for_document(big_order).pending().get().round == 2
    with pytest.raises(DecisionRefusedError, match="not of the running round"):
        services.salesorder_approval_decide(
            order=big_order, step_id=old.pk, approve=True, user=manager
        )


def test_a_change_that_matters_sends_a_waiting_order_back_to_pending(big_order, seller):
    submit(big_order, seller)
    line = big_order.lines.get()
    services.salesorder_line_update(line=line, quantity=11, user=seller)
    order = SalesOrder.objects.get(pk=big_order.pk)
    assert order.status == S.PENDING
    assert ApprovalRequest.objects.get().status == "withdrawn"
    assert order.events.filter(kind="sent_back").exists()


def test_a_note_on_a_line_does_not_send_the_order_back(big_order, seller):
    submit(big_order, seller)
    services.salesorder_line_update(line=big_order.lines.get(), notes="Blue", user=seller)
    assert SalesOrder.objects.get(pk=big_order.pk).status == S.PENDING_APPROVAL


def test_a_change_after_approval_sends_the_issued_order_back(
    big_order, seller, manager, controller
):
    submit(big_order, seller)
    decide(big_order, manager)
    decide(big_order, controller)
    services.salesorder_line_update(line=big_order.lines.get(), discount_percent=5, user=seller)
    order = SalesOrder.objects.get(pk=big_order.pk)
    assert order.status == S.PENDING and order.approved_at is None and order.issued_at is None


def test_block_policy_refuses_over_the_limit(customer, seller, part):
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"credit_policy": "block"})
    order = make_order(customer, seller, part, 6)
    with pytest.raises(CreditLimitError, match="blocks it"):
        services.salesorder_issue(order=order, user=seller, credit_acknowledged=True)
    assert SalesOrder.objects.get(pk=order.pk).status == S.PENDING


def test_warn_policy_issues_over_the_limit_once_acknowledged(customer, seller, part):
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"credit_policy": "warn"})
    order = make_order(customer, seller, part, 6)
    with pytest.raises(CreditWarningError):
        services.salesorder_issue(order=order, user=seller)
    services.salesorder_issue(order=order, user=seller, credit_acknowledged=True)
    assert SalesOrder.objects.get(pk=order.pk).status == S.ISSUED
    assert CreditWarning.objects.get().action == "issue"


def test_require_approval_without_a_credit_rule_asks_credit_control(customer, seller, part):
    order = make_order(customer, seller, part, 6)
    check = salesorder_approval_check(order)
    assert check.needed
    assert check.steps[0].approver_group_id == Group.objects.get(name="Credit Control").pk
    assert check.policy == CreditPolicy.REQUIRE_APPROVAL


def test_copying_or_reopening_cannot_bypass_the_check_it_runs_on_release(customer, seller, part):
    """An order held before issue and released is checked like Issue Order."""
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"credit_policy": "block"})
    first = make_order(customer, seller, part, 4)
    services.salesorder_issue(order=first, user=seller)
    held = make_order(customer, seller, part, 4)
    services.salesorder_hold(order=held, reason="wait", user=seller)
    with pytest.raises(CreditLimitError):
        services.salesorder_release(order=held, user=seller, credit_acknowledged=True)


def test_raising_an_issued_orders_total_over_the_limit_is_refused_under_block(
    customer, seller, part
):
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"credit_policy": "block"})
    order = make_order(customer, seller, part, 4)
    services.salesorder_issue(order=order, user=seller)
    with pytest.raises(CreditLimitError):
        services.salesorder_line_update(line=order.lines.get(), quantity=6, user=seller)
    assert SalesOrder.objects.get(pk=order.pk).base_total == Decimal("4000.00")


def test_exposure_counts_open_uninvoiced_orders_and_receivables(customer, seller, part):
    issued = make_order(customer, seller, part, 2)
    services.salesorder_issue(order=issued, user=seller)
    SalesOrder.objects.filter(pk=issued.pk).update(invoiced_base_total=Decimal("500"))
    type(customer).objects.filter(pk=customer.pk).update(receivable_base=Decimal("300"))
    customer.refresh_from_db()
    pending = make_order(customer, seller, part, 1)
    position = credit_position(customer, order=pending)
    assert position.exposure == Decimal("2000") - Decimal("500") + Decimal("300") + 1000
    assert position.available == Decimal("5000") - position.exposure


def test_credit_position_costs_one_query_for_2000_orders(customer, django_assert_max_num_queries):
    SalesOrder.objects.bulk_create(
        SalesOrder(
            reference=f"X-{n}",
            reference_number=90000 + n,
            customer=customer,
            customer_name=customer.name,
            currency="EUR",
            status=S.ISSUED,
            base_total=Decimal("1.00"),
            total=Decimal("1.00"),
        )
        for n in range(2000)
    )
    with django_assert_max_num_queries(1):
        position = credit_position(customer)
    assert position.exposure == Decimal("2000.00")


@pytest.mark.parametrize(
    ("status", "action", "allowed"),
    [
        (S.PENDING, "submit", True),
        (S.PENDING, "issue", False),
        (S.PENDING, "approve", False),
        (S.PENDING_APPROVAL, "approve", True),
        (S.PENDING_APPROVAL, "reject", True),
        (S.PENDING_APPROVAL, "submit", False),
        (S.PENDING_APPROVAL, "issue", False),
        (S.PENDING_APPROVAL, "hold", False),
        (S.PENDING_APPROVAL, "cancel", True),
        (S.ISSUED, "submit", False),
        (S.ISSUED, "approve", False),
        (S.ON_HOLD, "submit", True),  # held before it was ever issued
        (S.COMPLETE, "submit", False),
        (S.CANCELLED, "reject", False),
    ],
)
def test_extended_transitions(big_order, status, action, allowed):
    """The lifecycle table with the approval gate, for an order that matches a rule."""
    big_order.status = status
    facts = SalesOrder.Facts(
        line_count=1,
        shipped_anything=False,
        delivery_state="not_shipped",
        has_pending_shipment=False,
        customer_active=True,
        needs_approval=True,
    )
    assert big_order.allows(action, facts) is allowed
