"""Decisions and credit checks at the same moment, on PostgreSQL with separate connections."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from approvals.models import ApprovalDecision, ApprovalRequest
from salesorders import services
from salesorders.models import SalesOrder, SalesOrderSettings
from tests.approvals.conftest import make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 5


def at_once(*calls):
    """Run `calls` in threads (each its own connection) released together; their errors."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except Exception as error:  # noqa: BLE001 - the test reads the outcome
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def first_step(order):
    return ApprovalRequest.objects.for_document(order).pending().get().steps.get(stage=1)


def test_two_approvers_at_once_give_exactly_one_outcome(
    customer, seller, part, rules, manager, manager2
):
    for _ in range(ATTEMPTS):
        order = make_order(customer, seller, part, 12)
        services.salesorder_submit(order=order, user=seller, credit_acknowledged=True)
        step = first_step(order)
        outcomes = at_once(
            *(
                lambda who=who, order=order, step=step: services.salesorder_approval_decide(
                    order=order, step_id=step.pk, approve=True, user=who
                )
                for who in (manager, manager2)
            )
        )
        assert outcomes.count("ok") == 1, outcomes
        assert ApprovalDecision.objects.filter(step=step).count() == 1
        step.refresh_from_db()
        assert step.approvals == 1 and step.status == "approved"


def test_approve_against_reject_gives_exactly_one_outcome(
    customer, seller, part, rules, manager, manager2
):
    for _ in range(ATTEMPTS):
        order = make_order(customer, seller, part, 12)
        services.salesorder_submit(order=order, user=seller, credit_acknowledged=True)
        step = first_step(order)
        outcomes = at_once(
            lambda order=order, step=step: services.salesorder_approval_decide(
                order=order, step_id=step.pk, approve=True, user=manager
            ),
            lambda order=order, step=step: services.salesorder_approval_decide(
                order=order, step_id=step.pk, approve=False, user=manager2, comment="No"
            ),
        )
        assert outcomes.count("ok") == 1, outcomes
        order.refresh_from_db()
        decisions = list(ApprovalDecision.objects.filter(step=step))
        assert len(decisions) == 1
        expected = "pending_approval" if decisions[0].decision == "approve" else "pending"
        assert order.status == expected


def test_two_orders_of_one_customer_cannot_both_slip_under_the_limit(customer, seller, part):
    """A 5,000 limit and two 3,000 orders issued at once under Block: exactly one issues."""
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"credit_policy": "block"})
    for _ in range(ATTEMPTS):
        orders = [make_order(customer, seller, part, 3) for _ in range(2)]
        outcomes = at_once(
            *(
                lambda order=order: services.salesorder_issue(order=order, user=seller)
                for order in orders
            )
        )
        assert outcomes.count("ok") == 1, outcomes
        issued = SalesOrder.objects.filter(customer=customer, status="issued")
        assert sum(o.base_total for o in issued) <= Decimal("5000") + 0
        SalesOrder.objects.filter(customer=customer).update(status="cancelled")
