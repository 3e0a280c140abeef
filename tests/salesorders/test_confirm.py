"""The confirmation steps of the order's actions (SalesOrder.TRANSITIONS' `confirm`): a page
without JavaScript, a dialog's body under htmx; GET shows it and changes nothing, the POST
stays the action's own view."""

import pytest
from django.urls import reverse

from salesorders import services
from salesorders.models import SalesOrder
from tests.factories import CustomerFactory, PartFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(sales_user):
    order = services.salesorder_create(customer=CustomerFactory(name="Acme"), user=sales_user)
    services.salesorder_line_add(order=order, part=PartFactory(), quantity=2, user=sales_user)
    order.refresh_from_db()
    return order


def confirm_url(order, action):
    return reverse("salesorders:confirm", args=[order.pk, action])


@pytest.mark.parametrize("action", ["hold", "cancel", "complete"])
def test_the_destructive_actions_ask_to_confirm_and_the_others_do_not(action):
    assert SalesOrder.TRANSITIONS[action].confirm
    assert not SalesOrder.TRANSITIONS["issue"].confirm


def test_cancel_confirmation_page_asks_the_reason_and_changes_nothing(manager_client, order):
    version = order.version
    response = manager_client.get(confirm_url(order, "cancel"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Cancel Order {order.reference}?" in html
    assert "Reason for cancelling" in html and 'name="reason"' in html
    assert f'action="{reverse("shipping:salesorder-cancel", args=[order.pk])}"' in html
    assert f'name="version" value="{version}"' in html
    assert "<html" in html  # a whole page without JavaScript
    order.refresh_from_db()
    assert (order.status, order.version) == (SalesOrder.Status.PENDING, version)


def test_hold_confirmation_requires_the_reason_and_its_post_holds(sales_client, order):
    html = sales_client.get(confirm_url(order, "hold")).content.decode()
    assert "Reason for the hold" in html and " required" in html
    response = sales_client.post(
        reverse("salesorders:hold", args=[order.pk]),
        {"version": order.version, "reason": "Credit check"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (SalesOrder.Status.ON_HOLD, "Credit check")


def test_under_htmx_the_confirmation_is_only_the_dialogs_form(manager_client, order):
    response = manager_client.get(confirm_url(order, "cancel"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="confirm-step"' in html and "data-dialog-close" in html


def test_an_action_not_allowed_now_goes_back_to_the_order_saying_why(manager_client, order):
    response = manager_client.get(confirm_url(order, "complete"), follow=True)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert "is Pending, so it cannot be completed" in response.content.decode()


def test_confirmation_needs_the_actions_permission(sales_client, order):
    assert sales_client.get(confirm_url(order, "cancel")).status_code == 403


def test_an_unknown_action_has_no_confirmation_page(manager_client, order):
    assert manager_client.get(confirm_url(order, "explode")).status_code == 404


def test_confirmation_page_costs_a_constant_number_of_queries(
    manager_client, order, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        assert manager_client.get(confirm_url(order, "cancel")).status_code == 200
