"""Orders and closed accounting periods: an order cannot be created, moved or issued into a
closed or locked period, in the services, the pages, the admin and the API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounting.exceptions import PeriodClosedError
from accounting.models import AccountingPeriod
from salesorders import services
from salesorders.models import SalesOrder
from tests.api.conftest import BASE, token_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_MONTH_END = TODAY.replace(day=1) - datetime.timedelta(days=1)
LAST_MONTH = (LAST_MONTH_END.replace(day=1), LAST_MONTH_END)
IN_IT = LAST_MONTH[0] + datetime.timedelta(days=4)


def shut_period(status=AccountingPeriod.Status.CLOSED, span=LAST_MONTH, name="Last month"):
    return AccountingPeriod.objects.create(name=name, start=span[0], end=span[1], status=status)


def this_month(status):
    start = TODAY.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return shut_period(status, (start, end), name="This month")


@pytest.mark.parametrize("status", [AccountingPeriod.Status.CLOSED, AccountingPeriod.Status.LOCKED])
def test_create_refuses_an_order_date_in_a_shut_period_and_writes_nothing(customer, clerk, status):
    shut_period(status)
    with pytest.raises(PeriodClosedError) as refusal:
        services.salesorder_create(customer=customer, user=clerk, order_date=IN_IT)
    sentence = refusal.value.message_dict["order_date"][0]
    assert sentence.startswith("The order date ") and "falls in Last month, which is" in sentence
    assert f"such as today ({TODAY:%Y-%m-%d})" in sentence
    assert not SalesOrder.objects.exists()
    assert not services.SalesOrderSettings.objects.filter(last_reference_number__gt=0).exists()


def test_create_in_an_open_period_or_outside_every_period_goes_ahead(customer, clerk):
    shut_period(AccountingPeriod.Status.OPEN)
    services.salesorder_create(customer=customer, user=clerk, order_date=IN_IT)
    services.salesorder_create(
        customer=customer, user=clerk, order_date=IN_IT - datetime.timedelta(days=40)
    )
    assert SalesOrder.objects.count() == 2


def test_the_sentence_does_not_suggest_today_when_today_is_shut_too(customer, clerk):
    shut_period()
    this_month(AccountingPeriod.Status.CLOSED)
    with pytest.raises(PeriodClosedError) as refusal:
        services.salesorder_create(customer=customer, user=clerk, order_date=IN_IT)
    assert "such as today" not in str(refusal.value)


def test_update_refuses_moving_the_order_date_into_a_shut_period(order, clerk):
    shut_period()
    with pytest.raises(PeriodClosedError) as refusal:
        services.salesorder_update(
            order=order, user=clerk, order_date=IN_IT, description="moved back"
        )
    assert "falls in Last month" in refusal.value.message_dict["order_date"][0]
    order.refresh_from_db()
    assert order.order_date == TODAY and order.description == "" and order.version == 1
    assert not order.events.filter(kind="updated").exists()


def test_other_edits_of_an_order_dated_in_a_shut_period_go_ahead(order, clerk, part):
    """An order is not posted: only its date, creation and issue are held to the periods."""
    this_month(AccountingPeriod.Status.CLOSED)
    services.salesorder_update(order=order, user=clerk, description="Rush")
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    order.refresh_from_db()
    assert order.description == "Rush" and order.line_count == 1


def test_moving_the_order_date_out_of_a_shut_period_goes_ahead(order, clerk):
    this_month(AccountingPeriod.Status.CLOSED)
    later = TODAY + datetime.timedelta(days=40)
    services.salesorder_update(order=order, user=clerk, order_date=later, target_date=later)
    order.refresh_from_db()
    assert order.order_date == later


def test_issue_is_refused_when_the_order_date_is_in_a_shut_period(order, clerk, part):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    this_month(AccountingPeriod.Status.LOCKED)
    order.refresh_from_db()
    with pytest.raises(PeriodClosedError, match="falls in This month, which is locked"):
        services.salesorder_issue(order=order, user=clerk, expected_version=order.version)
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING and order.issued_at is None
    assert not order.events.filter(kind="issued").exists()


def test_release_of_an_order_held_before_issue_is_refused_in_a_shut_period(order, clerk, part):
    """Releasing an order held while Pending issues it: the same rule."""
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    services.salesorder_hold(order=order, reason="Waiting", user=clerk)
    this_month(AccountingPeriod.Status.CLOSED)
    with pytest.raises(PeriodClosedError):
        services.salesorder_release(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.ON_HOLD


# --- pages, admin, API -------------------------------------------------------------------------


def test_new_order_page_shows_the_sentence_at_the_order_date_field(sales_client, customer):
    shut_period()
    response = sales_client.post(
        reverse("salesorders:create"),
        {"customer": customer.pk, "priority": 0, "order_date": IN_IT.isoformat()},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["order_date"]
    assert "falls in Last month, which is closed" in errors[0]
    assert not SalesOrder.objects.exists()


def test_edit_page_shows_the_sentence_at_the_order_date_field(sales_client, order):
    shut_period()
    url = reverse("salesorders:update", args=[order.pk])
    form = sales_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        order_date=IN_IT.isoformat(),
        target_date=(IN_IT + datetime.timedelta(days=3)).isoformat(),
        customer=order.customer_id,
    )
    data.pop("salesperson", None)
    data.pop("contact", None)
    response = sales_client.post(url, data)
    assert response.status_code == 200
    assert "falls in Last month" in response.context["form"].errors["order_date"][0]
    order.refresh_from_db()
    assert order.order_date == TODAY


def test_issue_button_reports_the_refusal(sales_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    this_month(AccountingPeriod.Status.CLOSED)
    order.refresh_from_db()
    response = sales_client.post(
        reverse("salesorders:issue", args=[order.pk]), {"version": order.version}, follow=True
    )
    assert "falls in This month, which is closed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING


def test_admin_edit_moving_the_date_into_a_shut_period_is_not_saved(manager_client, order):
    from tests.salesorders.test_admin import header_post

    shut_period()
    response = header_post(
        manager_client,
        order,
        order_date=IN_IT.isoformat(),
        target_date=(IN_IT + datetime.timedelta(days=3)).isoformat(),
    )
    html = response.content.decode()
    assert "Not saved:" in html and "falls in Last month" in html
    order.refresh_from_db()
    assert order.order_date == TODAY and order.customer_reference == ""


def test_admin_issue_action_reports_the_refusal(manager_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    this_month(AccountingPeriod.Status.CLOSED)
    response = manager_client.post(
        reverse("admin:salesorders_salesorder_changelist"),
        {"action": "issue_orders", "_selected_action": [order.pk]},
        follow=True,
    )
    assert "falls in This month" in response.content.decode()
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING


def test_api_create_and_issue_answer_400_with_the_sentence_at_order_date(
    manager_user, customer, order, part, clerk
):
    api = token_client(manager_user)
    shut_period()
    response = api.post(
        f"{BASE}/salesOrders",
        {"customerId": customer.pk, "orderDate": IN_IT.isoformat()},
        format="json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["target"] == "orderDate" and "falls in Last month" in error["message"]
    assert SalesOrder.objects.count() == 1

    services.salesorder_line_add(order=order, part=part, quantity=Decimal("2"), user=clerk)
    this_month(AccountingPeriod.Status.CLOSED)
    order.refresh_from_db()
    response = api.post(
        f"{BASE}/salesOrders/{order.pk}/issue", HTTP_IF_MATCH=f'W/"{order.version}"'
    )
    assert response.status_code == 400, response.content
    assert "falls in This month" in response.json()["error"]["message"]
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING
