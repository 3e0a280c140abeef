"""The lifecycle table (SalesOrder.TRANSITIONS) and the predicates the order page shows by: the
buttons each role sees in each state, where their labels, permissions and refusals come from,
and the per-line buttons."""

import dataclasses
import re
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from salesorders import services
from salesorders.admin import SalesOrderAdmin
from salesorders.models import SalesOrder, SalesOrderLine
from salesorders.selectors import salesorder_facts, salesorder_page_queryset
from tests.factories import PartFactory, ShipmentFactory, keep_line_flags

pytestmark = pytest.mark.django_db

S = SalesOrder.Status
LABELS = {
    "issue": "Issue Order",
    "hold": "Hold Order",
    "release": "Release",
    "complete": "Complete Order",
    "cancel": "Cancel Order",
}


def order_in(state: str, order, part, clerk) -> SalesOrder:
    """`order` with one line of `part`, brought to `state` through the services (or, for the
    closed states, as stored)."""
    services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    if state in ("issued", "shipped", "complete"):
        services.salesorder_issue(order=order, user=clerk)
    if state == "on_hold":
        services.salesorder_hold(order=order, reason="Credit check", user=clerk)
    if state in ("shipped", "complete"):
        order.lines.update(shipped_quantity=F("quantity"))
        keep_line_flags(order)
    if state == "complete":
        services.salesorder_complete(order=order, user=clerk)
    if state == "cancelled":
        SalesOrder.objects.filter(pk=order.pk).update(status=S.CANCELLED)
    order.refresh_from_db()
    return order


def toolbar(html: str) -> str:
    after = html.split('data-testid="order-actions"', 1)[1]
    return after.split('data-testid="order-actions-end"')[0]


def shown_actions(html: str) -> list[str]:
    """The lifecycle actions of the toolbar, in the table's order (More's after the rest)."""
    order = list(SalesOrder.TRANSITIONS)
    return sorted(re.findall(r'data-action="(\w+)"', toolbar(html)), key=order.index)


# state -> role -> the lifecycle buttons shown, in order
EXPECTED_BUTTONS = {
    "pending": {"sales": ["issue", "hold"], "manager": ["issue", "hold", "cancel"]},
    "issued": {"sales": ["hold"], "manager": ["hold", "cancel"]},
    "on_hold": {"sales": ["release"], "manager": ["release", "cancel"]},
    "shipped": {"sales": ["hold"], "manager": ["hold", "complete"]},
    "complete": {"sales": [], "manager": []},
    "cancelled": {"sales": [], "manager": []},
}


@pytest.mark.parametrize("state", sorted(EXPECTED_BUTTONS))
def test_order_page_shows_exactly_the_allowed_buttons_per_status_and_role(
    state, order, part, clerk, client, sales_user, manager_user, warehouse_user
):
    order = order_in(state, order, part, clerk)
    for role, user in (("sales", sales_user), ("manager", manager_user), ("warehouse", None)):
        client.force_login(user or warehouse_user)
        html = client.get(order.get_absolute_url()).content.decode()
        expected = EXPECTED_BUTTONS[state].get(role, [])
        assert shown_actions(html) == expected, (state, role)
        for action in expected:
            assert f">{LABELS[action]}" in toolbar(html)
        for action in set(LABELS) - set(expected):
            assert f">{LABELS[action]}" not in toolbar(html)
        # Reasons are asked on the confirmation step, never in a box of the header.
        assert 'name="reason"' not in toolbar(html)


def test_each_button_posts_to_its_actions_url(sales_client, order, part, clerk):
    order = order_in("pending", order, part, clerk)
    html = sales_client.get(order.get_absolute_url()).content.decode()
    issue = reverse("salesorders:issue", args=[order.pk])
    assert f'action="{issue}" data-action="issue"' in html
    # Hold asks for a reason first: its button opens the confirmation step.
    confirm = reverse("salesorders:confirm", args=[order.pk, "hold"])
    assert f'href="{confirm}"' in toolbar(html)


def test_button_label_permission_verb_and_refusal_come_from_the_table(
    monkeypatch, warehouse_client, order, part, clerk
):
    """Change the table's entry and the page, the view, the message and the refusal follow."""
    issue = SalesOrder.TRANSITIONS["issue"]
    monkeypatch.setitem(
        SalesOrder.TRANSITIONS,
        "issue",
        dataclasses.replace(
            issue, label="Send to Warehouse", permission="salesorders.view_salesorder", verb="sent"
        ),
    )
    order = order_in("pending", order, part, clerk)
    html = warehouse_client.get(order.get_absolute_url()).content.decode()
    assert shown_actions(html) == ["issue"] and "Send to Warehouse</button>" in html
    url = reverse("salesorders:issue", args=[order.pk])
    response = warehouse_client.post(url, {"version": order.version}, follow=True)
    assert f"{order.reference} sent." in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.ISSUED
    response = warehouse_client.post(url, {"version": order.version}, follow=True)
    assert f"{order.reference} was already sent on " in response.content.decode()
    services.salesorder_hold(order=order, reason="Credit check", user=clerk)
    order.refresh_from_db()
    response = warehouse_client.post(url, {"version": order.version}, follow=True)
    assert "On Hold, so it cannot be sent; only Pending orders can." in response.content.decode()


def test_an_action_the_table_refuses_is_refused_by_its_view(sales_client, order, part, clerk):
    order = order_in("on_hold", order, part, clerk)
    response = sales_client.post(
        reverse("salesorders:issue", args=[order.pk]), {"version": order.version}, follow=True
    )
    assert "is On Hold, so it cannot be issued; only Pending orders can." in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.hold_reason == "Credit check"


def test_an_action_without_the_tables_permission_is_forbidden(warehouse_client, order):
    response = warehouse_client.post(
        reverse("salesorders:issue", args=[order.pk]), {"version": order.version}
    )
    assert response.status_code == 403


def test_a_reason_is_passed_only_to_actions_that_ask_for_one(manager_client, order, part, clerk):
    order = order_in("pending", order, part, clerk)
    manager_client.post(
        reverse("salesorders:issue", args=[order.pk]),
        {"version": order.version, "reason": "ignored"},
    )
    assert order.events.filter(message="Order issued.").exists()


# --- the per-line buttons and the order's predicates ----------------------------------------


def line_row(html: str, sku: str) -> str:
    return html.split(f'data-testid="line-{sku}"', 1)[1].split("</tr>", 1)[0]


def test_remove_is_shown_only_for_lines_nothing_was_shipped_cancelled_or_allocated_from(
    sales_client, order, clerk
):
    fresh, touched, allocated = (PartFactory(sku=sku) for sku in ("FRESH", "SHIPPED", "ALLOC"))
    for part in (fresh, touched, allocated):
        services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    services.salesorder_issue(order=order, user=clerk)
    order.lines.filter(part=touched).update(shipped_quantity=Decimal("1"))
    keep_line_flags(order)
    order.lines.filter(part=allocated).update(allocated_quantity=Decimal("1"))
    html = sales_client.get(order.get_absolute_url()).content.decode()
    assert "Remove</button>" in line_row(html, "FRESH")
    assert "Remove</button>" not in line_row(html, "SHIPPED")
    assert "Remove</button>" not in line_row(html, "ALLOC")


def test_cancel_remaining_is_offered_on_issued_or_held_orders_for_lines_with_a_rest(
    manager_client, order, clerk
):
    open_part, done_part = PartFactory(sku="OPEN"), PartFactory(sku="DONE")
    for part in (open_part, done_part):
        services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    url = order.get_absolute_url()
    assert "Cancel Remaining" not in manager_client.get(url).content.decode()  # Pending
    services.salesorder_issue(order=order, user=clerk)
    order.lines.filter(part=done_part).update(shipped_quantity=Decimal("4"))
    keep_line_flags(order)
    html = manager_client.get(url).content.decode()
    assert "Cancel Remaining" in line_row(html, "OPEN")
    assert "Cancel Remaining" not in line_row(html, "DONE")
    services.salesorder_hold(order=order, reason="Credit check", user=clerk)
    assert "Cancel Remaining" in line_row(manager_client.get(url).content.decode(), "OPEN")


def test_a_closed_order_offers_no_edits(manager_client, order, part, clerk):
    order = order_in("complete", order, part, clerk)
    html = manager_client.get(order.get_absolute_url()).content.decode()
    assert "Add Line Item" not in html and "Add Extra Line" not in html
    assert reverse("salesorders:update", args=[order.pk]) not in html
    assert 'id="line-actions"' not in html


def test_hold_reason_shows_only_while_on_hold(sales_client, order, part, clerk):
    order = order_in("on_hold", order, part, clerk)
    url = order.get_absolute_url()
    assert "On hold: Credit check" in sales_client.get(url).content.decode()
    SalesOrder.objects.filter(pk=order.pk).update(status=S.CANCELLED)
    assert 'data-testid="hold-reason"' not in sales_client.get(url).content.decode()


def test_print_says_cancelled_only_for_a_cancelled_order(sales_client, order, part, clerk):
    url = reverse("salesorders:print", args=[order.pk])
    assert "CANCELLED" not in sales_client.get(url).content.decode()
    SalesOrder.objects.filter(pk=order.pk).update(status=S.CANCELLED)
    assert "CANCELLED" in sales_client.get(url).content.decode()


@pytest.mark.parametrize(
    ("status", "shipped", "cancelled", "allocated", "can_remove", "can_cancel_remaining"),
    [
        (S.PENDING, "0", "0", "0", True, False),
        (S.ISSUED, "0", "0", "0", True, True),
        (S.ON_HOLD, "0", "0", "0", True, True),
        (S.ISSUED, "0", "0", "2", False, True),
        (S.ISSUED, "1", "0", "0", False, True),
        (S.ISSUED, "0", "1", "0", False, True),
        (S.ISSUED, "2", "2", "0", False, False),
        (S.COMPLETE, "4", "0", "0", False, False),
        (S.CANCELLED, "0", "0", "0", True, False),
    ],
)
def test_line_predicates(status, shipped, cancelled, allocated, can_remove, can_cancel_remaining):
    line = SalesOrderLine(
        order=SalesOrder(status=status),
        quantity=Decimal("4"),
        shipped_quantity=Decimal(shipped),
        cancelled_quantity=Decimal(cancelled),
        allocated_quantity=Decimal(allocated),
    )
    assert line.can_remove() is can_remove
    assert line.can_cancel_remaining() is can_cancel_remaining


@pytest.mark.parametrize("status", list(S))
def test_order_predicates(status):
    order = SalesOrder(status=status)
    assert order.can_edit() is (status not in (S.COMPLETE, S.CANCELLED))
    assert order.can_ship() is (status == S.ISSUED)
    assert order.is_on_hold() is (status == S.ON_HOLD)
    assert order.is_cancelled() is (status == S.CANCELLED)


def test_require_transition_returns_the_tables_entry_or_raises_the_refusal():
    from salesorders.exceptions import OrderStateError

    facts = SalesOrder.Facts(
        line_count=1,
        shipped_anything=False,
        delivery_state="not_shipped",
        has_pending_shipment=False,
        customer_active=True,
    )
    order = SalesOrder(reference="SO-0007", status=S.PENDING, customer_name="Acme")
    assert order.require_transition("issue", facts) is SalesOrder.TRANSITIONS["issue"]
    assert [t.action for t in order.allowed_transitions(facts)] == ["issue", "hold", "cancel"]
    with pytest.raises(OrderStateError, match="SO-0007 is Pending, so it cannot be completed"):
        order.require_transition("complete", facts)


def test_every_table_entry_has_a_service_a_verb_a_label_and_a_permission():
    for action, transition in SalesOrder.TRANSITIONS.items():
        assert transition.action == action and action in services.TRANSITION_SERVICES
        assert transition.verb and transition.label and "." in transition.permission
        assert transition.target in S.values and transition.sources <= set(S.values)


# --- one builder of the lifecycle facts ----------------------------------------------------


def test_facts_from_the_loaded_page_cost_no_queries_and_match_the_services_facts(
    order, part, clerk, django_assert_num_queries
):
    order = order_in("issued", order, part, clerk)
    order.lines.update(shipped_quantity=Decimal("1"))
    keep_line_flags(order)
    ShipmentFactory(order=order)
    loaded = salesorder_page_queryset().get(pk=order.pk)
    with django_assert_num_queries(0):
        from_page = salesorder_facts(
            loaded,
            line_count=1,
            delivery_state=loaded.delivery_state,
            shipments=loaded.shipments.all(),
        )
    fresh = SalesOrder.objects.get(pk=order.pk)
    with django_assert_num_queries(3):
        from_service = salesorder_facts(fresh)
    assert from_page == from_service
    assert from_page.has_pending_shipment and from_page.shipped_anything
    assert from_page.delivery_state == "partially_shipped"


# --- the admin's actions -------------------------------------------------------------------


def test_admin_offers_one_action_per_table_entry_with_its_label(manager_client):
    response = manager_client.get(reverse("admin:salesorders_salesorder_changelist"))
    choices = dict(response.context["action_form"].fields["action"].choices)
    for action, transition in SalesOrder.TRANSITIONS.items():
        if transition.decision:  # Approve / Reject decide a step: not a bulk action
            assert f"{action}_orders" not in choices
            continue
        assert choices[f"{action}_orders"].startswith(transition.label)


def test_admin_actions_go_through_run_transition(monkeypatch, manager_client, order):
    """Shipping's admin overrides run_transition for Cancel Order: every action calls it."""
    calls = []
    monkeypatch.setattr(
        SalesOrderAdmin,
        "run_transition",
        lambda self, request, order, action, reason: calls.append((order.pk, action, reason)),
    )
    manager_client.post(
        reverse("admin:salesorders_salesorder_changelist"),
        {"action": "hold_orders", "_selected_action": [order.pk]},
    )
    assert calls == [(order.pk, "hold", "Put on hold in the admin.")]
