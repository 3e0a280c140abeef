"""Send Order Confirmation on the order page: queues one email job, POST only, for those who
may change the order; the page shows the email's status."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from core.models import EmailMessageLog
from salesorders.models import SalesOrder
from tests.core.jobs_for_tests import run_jobs
from tests.factories import ContactFactory, SalesOrderFactory

pytestmark = pytest.mark.django_db


def _url(order):
    return reverse("salesorders:confirmation-send", args=[order.pk])


def test_send_order_confirmation_queues_one_email_to_the_contact(sales_client, mailoutbox):
    order = SalesOrderFactory()
    order.contact = ContactFactory(customer=order.customer, email="buyer@example.test")
    order.save(update_fields=["contact"])
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "Send Order Confirmation" in page
    response = sales_client.post(_url(order), {"request_token": "abc123"}, follow=True)
    text = response.content.decode()
    assert f"Order confirmation of {order.reference} queued to buyer@example.test." in text
    assert 'data-testid="emails"' in text and "Queued" in text
    assert DBTaskResult.objects.count() == 1
    assert "Order confirmation queued to buyer@example.test." in text  # the history line
    sales_client.post(_url(order), {"request_token": "abc123"})  # a double click
    assert EmailMessageLog.objects.count() == 1
    run_jobs()
    assert [message.to for message in mailoutbox] == [["buyer@example.test"]]
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "badge-email-sent" in page


def test_without_a_contact_email_the_customer_address_is_used(sales_client):
    order = SalesOrderFactory(customer__email="office@customer.test")
    sales_client.post(_url(order), {"request_token": "t1"})
    assert EmailMessageLog.objects.get().recipient == "office@customer.test"


def test_send_is_refused_when_there_is_no_address(sales_client):
    order = SalesOrderFactory(customer__email="")
    response = sales_client.post(_url(order), {"request_token": "t1"}, follow=True)
    assert "has no email address to send to" in response.content.decode()
    assert not EmailMessageLog.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_send_is_refused_for_a_cancelled_order(sales_client):
    order = SalesOrderFactory(status=SalesOrder.Status.CANCELLED)
    assert (
        "Send Order Confirmation" not in sales_client.get(order.get_absolute_url()).content.decode()
    )
    response = sales_client.post(_url(order), {"request_token": "t1"}, follow=True)
    assert "is cancelled: its confirmation is not sent" in response.content.decode()
    assert not EmailMessageLog.objects.exists()


def test_send_needs_the_permission_to_change_orders(warehouse_client):
    order = SalesOrderFactory()
    assert (
        "Send Order Confirmation"
        not in warehouse_client.get(order.get_absolute_url()).content.decode()
    )
    assert warehouse_client.post(_url(order), {"request_token": "t1"}).status_code == 403
    assert not EmailMessageLog.objects.exists()


def test_send_is_post_only(sales_client):
    assert sales_client.get(_url(SalesOrderFactory())).status_code == 405


def test_order_page_costs_the_same_queries_with_many_emails(
    sales_client, django_assert_max_num_queries
):
    order = SalesOrderFactory(customer__email="office@customer.test")
    sales_client.post(_url(order), {"request_token": "first"})
    with django_assert_max_num_queries(40) as one:
        sales_client.get(order.get_absolute_url())
    first = len(one)  # read now: every request resets the connection's query log
    for n in range(12):
        sales_client.post(_url(order), {"request_token": f"t{n}"})
    with django_assert_max_num_queries(first):
        page = sales_client.get(order.get_absolute_url()).content.decode()
    assert page.count("badge-email-queued") == 5  # the latest five
