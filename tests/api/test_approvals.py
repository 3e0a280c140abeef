"""The `approvals` resource (the steps the user may decide now, as the Approvals page lists
them) and the order's approval actions: salesOrders({id})/submitForApproval, /approve and
/reject, through the same services as the pages' buttons, If-Match on each."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from approvals.models import ApprovalDecision, ApprovalRule, ConditionKind
from config.roles import sync_role_groups
from salesorders import services
from salesorders.models import SalesOrder
from tests.api.conftest import BASE, token_client
from tests.factories import CustomerFactory, PartFactory, UserFactory

pytestmark = pytest.mark.django_db
S = SalesOrder.Status


@pytest.fixture
def large_order_rule(db):
    """Orders of 10,000 (base currency) or more need a Manager's approval."""
    sync_role_groups(apps)
    return ApprovalRule.objects.create(
        name="Large order",
        stage=1,
        condition=ConditionKind.TOTAL_AT_LEAST,
        threshold=Decimal("10000"),
        approver_group=Group.objects.get(name="Managers"),
    )


@pytest.fixture
def pump(db):
    return PartFactory(sku="PUMP-1", name="Pump", list_price=Decimal("1000.0000"))


def large_order(user, part, name="Contoso"):
    """A Pending order of 12 pumps (12,000) made by `user`: the rule matches."""
    order = services.salesorder_create(
        customer=CustomerFactory(name=name, currency="EUR"),
        user=user,
        target_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    services.salesorder_line_add(order=order, part=part, quantity=12, user=user, tax_rate=None)
    order.refresh_from_db()
    return order


def submitted(user, part, name="Contoso"):
    order = large_order(user, part, name)
    services.salesorder_submit(order=order, user=user, credit_acknowledged=True)
    order.refresh_from_db()
    return order


def order_url(order) -> str:
    return f"{BASE}/salesOrders({order.pk})"


def test_submit_for_approval_needs_if_match_refuses_a_stale_one_then_submits(
    sales_user, pump, large_order_rule
):
    api = token_client(sales_user)
    order = large_order(sales_user, pump)
    url = f"{order_url(order)}/submitForApproval"
    assert api.post(url).status_code == 428
    stale = api.post(url, HTTP_IF_MATCH='W/"999"')
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    order.refresh_from_db()
    assert order.status == S.PENDING

    etag = api.get(order_url(order))["ETag"]
    response = api.post(url, HTTP_IF_MATCH=etag)
    assert response.status_code == 204, response.content
    assert response["ETag"] != etag
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL
    assert api.get(order_url(order)).json()["status"] == "Pending Approval"


def test_submit_for_approval_of_an_order_no_rule_matches_is_the_services_sentence(
    sales_user, pump, large_order_rule
):
    api = token_client(sales_user)
    order = services.salesorder_create(customer=CustomerFactory(), user=sales_user)
    services.salesorder_line_add(order=order, part=pump, quantity=1, user=sales_user)
    response = api.post(f"{order_url(order)}/submitForApproval", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_approvals_lists_what_waits_for_the_manager_with_the_orders_etag(
    sales_user, manager_user, pump, large_order_rule
):
    order = submitted(sales_user, pump)
    api = token_client(manager_user)
    response = api.get(f"{BASE}/approvals")
    assert response.status_code == 200, response.content
    [row] = response.json()["value"]
    assert row["documentType"] == "Sales Order"
    assert row["documentId"] == order.pk
    assert row["documentNumber"] == order.reference
    assert row["customerName"] == "Contoso"
    assert row["stepName"].startswith("Large order")
    assert row["role"] == "Managers"
    assert row["requestedBy"] == sales_user.username
    assert row["requestedDateTime"]
    assert row["amount"] == "12000.00"
    assert row["currencyCode"]
    assert row["status"] == "Waiting"
    # The row's ETag is the order's: the If-Match of its approve and reject actions.
    assert row["@odata.etag"] == api.get(order_url(order))["ETag"]
    one = api.get(f"{BASE}/approvals({row['id']})")
    assert one.status_code == 200
    assert one.json()["documentNumber"] == order.reference
    assert one["ETag"] == row["@odata.etag"]


def test_approvals_leaves_out_what_the_user_submitted_and_is_refused_without_the_role(
    sales_user, manager_user, user, pump, large_order_rule
):
    order = submitted(manager_user, pump)
    manager_api = token_client(manager_user)
    assert manager_api.get(f"{BASE}/approvals").json()["value"] == []
    step_id = order_step(order)
    assert manager_api.get(f"{BASE}/approvals({step_id})").status_code == 404
    assert token_client(sales_user).get(f"{BASE}/approvals").status_code == 403
    assert token_client(user).get(f"{BASE}/approvals").status_code == 403


def order_step(order) -> int:
    from approvals.models import ApprovalRequest

    return ApprovalRequest.objects.for_document(order).pending().get().steps.get().pk


def test_approvals_costs_constant_queries_and_pages(
    sales_user, manager_user, pump, large_order_rule, django_assert_max_num_queries
):
    api = token_client(manager_user)
    for n in range(2):
        submitted(sales_user, pump, f"C{n}")
    with django_assert_max_num_queries(20) as few:
        assert len(api.get(f"{BASE}/approvals").json()["value"]) == 2
    for n in range(8):
        submitted(sales_user, pump, f"D{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(f"{BASE}/approvals").json()["value"]) == 10
    page = api.get(f"{BASE}/approvals?$top=4").json()
    assert len(page["value"]) == 4 and "@odata.nextLink" in page
    rest = api.get(page["@odata.nextLink"]).json()
    assert {r["id"] for r in rest["value"]}.isdisjoint({r["id"] for r in page["value"]})


def test_approve_needs_if_match_refuses_a_stale_one_then_issues_the_order(
    sales_user, manager_user, pump, large_order_rule
):
    order = submitted(sales_user, pump)
    api = token_client(manager_user)
    url = f"{order_url(order)}/approve"
    assert api.post(url).status_code == 428
    stale = api.post(url, HTTP_IF_MATCH='W/"999"')
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    assert not ApprovalDecision.objects.exists()

    etag = api.get(f"{BASE}/approvals").json()["value"][0]["@odata.etag"]
    response = api.post(url, {"reason": "Fine by me."}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 204, response.content
    order.refresh_from_db()
    assert order.status == S.ISSUED
    decision = ApprovalDecision.objects.get()
    assert decision.user == manager_user and decision.comment == "Fine by me."
    assert api.get(f"{BASE}/approvals").json()["value"] == []


def test_approve_is_refused_to_a_user_without_the_role(sales_user, pump, large_order_rule):
    order = submitted(sales_user, pump)
    other_seller = UserFactory(username="sid")
    other_seller.groups.add(Group.objects.get(name="Sales"))
    response = token_client(other_seller).post(f"{order_url(order)}/approve", HTTP_IF_MATCH="*")
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL


def test_nobody_approves_their_own_order_through_the_api(manager_user, pump, large_order_rule):
    order = submitted(manager_user, pump)
    api = token_client(manager_user)
    response = api.post(f"{order_url(order)}/approve", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert "someone else must decide" in response.json()["error"]["message"]
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL
    assert not ApprovalDecision.objects.exists()


def test_approve_of_an_order_not_waiting_is_the_services_sentence(manager_user, sales_user, pump):
    order = large_order(sales_user, pump)
    response = token_client(manager_user).post(f"{order_url(order)}/approve", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert "cannot be approved" in response.json()["error"]["message"]


def test_reject_needs_a_reason_and_sends_the_order_back_to_pending(
    sales_user, manager_user, pump, large_order_rule
):
    order = submitted(sales_user, pump)
    api = token_client(manager_user)
    url = f"{order_url(order)}/reject"
    missing = api.post(url, HTTP_IF_MATCH="*")
    assert missing.status_code == 400
    error = missing.json()["error"]
    assert error["target"] == "reason" and "comment is required" in error["message"]
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL

    response = api.post(url, {"reason": "Price too low."}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 204, response.content
    order.refresh_from_db()
    assert order.status == S.PENDING
    assert ApprovalDecision.objects.get().comment == "Price too low."


@pytest.mark.parametrize(
    "body, target",
    [({"stepId": "x"}, "stepId"), ({"stepId": 0}, "stepId"), ({"note": "?"}, "note")],
)
def test_a_decision_with_a_bad_body_is_a_400_and_writes_nothing(
    sales_user, manager_user, pump, large_order_rule, body, target
):
    order = submitted(sales_user, pump)
    api = token_client(manager_user)
    response = api.post(f"{order_url(order)}/approve", body, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert response.json()["error"]["target"] == target
    assert not ApprovalDecision.objects.exists()


def test_a_decision_on_a_step_of_another_order_is_refused(
    sales_user, manager_user, pump, large_order_rule
):
    order, other = submitted(sales_user, pump), submitted(sales_user, pump, "Other")
    api = token_client(manager_user)
    response = api.post(
        f"{order_url(order)}/approve",
        {"stepId": order_step(other)},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 400
    assert "not of the running round" in response.json()["error"]["message"]
    assert not ApprovalDecision.objects.exists()


def test_submit_over_the_credit_limit_warns_until_the_client_acknowledges_it(
    sales_user, pump, large_order_rule
):
    from salesorders.models import CreditWarning

    api = token_client(sales_user)
    order = services.salesorder_create(
        customer=CustomerFactory(name="Tight", currency="EUR", credit_limit=Decimal("5000.00")),
        user=sales_user,
    )
    services.salesorder_line_add(order=order, part=pump, quantity=12, user=sales_user)
    url = f"{order_url(order)}/submitForApproval"
    warned = api.post(url, HTTP_IF_MATCH="*")
    assert warned.status_code == 400
    assert "credit limit is 5,000.00" in warned.json()["error"]["message"]
    order.refresh_from_db()
    assert order.status == S.PENDING and not CreditWarning.objects.exists()
    response = api.post(url, {"creditAcknowledged": True}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 204, response.content
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL
    assert CreditWarning.objects.get().user == sales_user


def test_approvals_filter_by_document(sales_user, manager_user, pump, large_order_rule):
    order, _other = submitted(sales_user, pump), submitted(sales_user, pump, "Other")
    api = token_client(manager_user)
    rows = api.get(f"{BASE}/approvals", {"$filter": f"documentId eq {order.pk}"}).json()["value"]
    assert [row["documentNumber"] for row in rows] == [order.reference]
    refused = api.get(f"{BASE}/approvals", {"$filter": "amount gt 5"})
    assert refused.status_code == 400
