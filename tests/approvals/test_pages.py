"""The Approvals page, the order page's approval card, the customer's credit panel."""

from decimal import Decimal

import pytest
from django.urls import reverse

from approvals.models import ApprovalRequest
from salesorders import services
from salesorders.models import SalesOrder
from tests.approvals.conftest import make_order
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def submitted(customer, seller, part, quantity=12):
    order = make_order(customer, seller, part, quantity)
    services.salesorder_submit(order=order, user=seller, credit_acknowledged=True)
    return order


def test_the_order_page_offers_submit_for_approval_instead_of_issue(client, big_order, seller):
    client.force_login(seller)
    html = client.get(big_order.get_absolute_url()).content.decode()
    assert "Submit for Approval" in html and "Issue Order" not in html
    assert 'data-testid="credit-warning"' in html and "7,000.00" in html
    assert "Large order: Total at or above 10,000.00 EUR." in html


def test_submit_over_the_limit_goes_to_the_warning_then_submits(client, big_order, seller):
    client.force_login(seller)
    url = reverse("salesorders:submit", args=[big_order.pk])
    response = client.post(url, {"version": big_order.version})
    assert response.url == reverse("salesorders:confirm", args=[big_order.pk, "submit"])
    page = client.get(response.url).content.decode()
    assert "over the limit" in page and 'name="credit_acknowledged" value="1"' in page
    client.post(url, {"version": big_order.version, "credit_acknowledged": "1"})
    assert SalesOrder.objects.get(pk=big_order.pk).status == "pending_approval"


def test_approvals_page_lists_what_waits_and_approves_from_there(
    client, customer, seller, part, rules, manager
):
    order = submitted(customer, seller, part)
    client.force_login(manager)
    page = client.get(reverse("approvals:waiting")).content.decode()
    assert order.reference in page and "Large order" in page and "over the limit" in page
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    response = client.post(
        reverse("salesorders:approve", args=[order.pk]),
        {"step": step.pk, "version": order.version, "next": reverse("approvals:waiting")},
    )
    assert response.url == reverse("approvals:waiting")
    after = client.get(reverse("approvals:waiting")).content.decode()
    assert f'data-testid="approval-{order.reference}"' not in after
    assert "waits for the next step" in after


def test_approvals_page_costs_constant_queries(
    client, seller, part, rules, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    for n in range(2):
        submitted(CustomerFactory(name=f"C{n}", credit_limit=Decimal("100")), seller, part)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("approvals:waiting"))
    for n in range(8):
        submitted(CustomerFactory(name=f"D{n}"), seller, part)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("approvals:waiting"))
    assert response.content.decode().count('data-testid="approval-SO-') == 10


def test_reject_comment_shows_on_the_order_to_its_creator(
    client, customer, seller, part, rules, manager
):
    order = submitted(customer, seller, part)
    client.force_login(manager)
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    client.post(
        reverse("salesorders:reject", args=[order.pk]),
        {"step": step.pk, "version": order.version, "reason": "Split it in two"},
    )
    client.force_login(seller)
    html = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="reject-comments"' in html and "Split it in two" in html


def test_a_crafted_reject_without_comment_is_refused(
    client, customer, seller, part, rules, manager
):
    order = submitted(customer, seller, part)
    client.force_login(manager)
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    client.post(
        reverse("salesorders:reject", args=[order.pk]), {"step": step.pk, "version": order.version}
    )
    assert SalesOrder.objects.get(pk=order.pk).status == "pending_approval"


@pytest.mark.parametrize(
    "name", ["salesorders:submit", "salesorders:approve", "salesorders:reject"]
)
def test_decision_urls_answer_get_with_405(manager_client, big_order, name):
    assert manager_client.get(reverse(name, args=[big_order.pk])).status_code == 405


def test_salespeople_cannot_decide(client, customer, seller, part, rules):
    order = submitted(customer, seller, part)
    other = type(seller).objects.create(username="other")
    other.groups.set(seller.groups.all())
    client.force_login(other)
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    response = client.post(
        reverse("salesorders:approve", args=[order.pk]), {"step": step.pk, "version": 1}
    )
    assert response.status_code == 403


def test_customer_credit_panel_costs_constant_queries(
    client, customer, seller, part, django_assert_max_num_queries
):
    client.force_login(seller)
    order = make_order(customer, seller, part, 2)
    services.salesorder_issue(order=order, user=seller)
    with django_assert_max_num_queries(20) as few:
        html = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="credit-exposure">2,000.00' in html
    assert 'data-testid="credit-available">3,000.00' in html
    SalesOrder.objects.bulk_create(
        SalesOrder(
            reference=f"X-{n}",
            reference_number=90000 + n,
            customer=customer,
            customer_name=customer.name,
            currency="EUR",
            status="issued",
            base_total=Decimal("1.00"),
            total=Decimal("1.00"),
        )
        for n in range(2000)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(customer.get_absolute_url()).content.decode()
    assert "The 20 largest of 2001 orders." in html


def test_dashboard_shows_how_many_wait_for_me(client, customer, seller, part, rules, manager):
    submitted(customer, seller, part)
    client.force_login(manager)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="approvals-count">1<' in html


def test_credit_control_sets_the_policy_and_sales_cannot(client, controller, seller):
    client.force_login(seller)
    assert client.get(reverse("salesorders:credit-settings")).status_code == 403
    client.force_login(controller)
    client.post(reverse("salesorders:credit-settings"), {"credit_policy": "block"})
    from salesorders.models import SalesOrderSettings

    assert SalesOrderSettings.load().credit_policy == "block"
