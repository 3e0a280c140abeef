"""salesorders tells the calendar about committed order changes through a signal; a calendar
that fails to keep up never costs the person changing the order their change."""

import logging

import pytest
from django.urls import reverse

from order_calendar.models import OrderCalendarEvent
from salesorders.models import SalesOrder
from tests.factories import SalesOrderFactory, SalesOrderLineFactory


def _pending_order_with_a_line() -> SalesOrder:
    order = SalesOrderFactory(status=SalesOrder.Status.PENDING)
    SalesOrderLineFactory(order=order)
    return order


@pytest.mark.django_db(transaction=True)
def test_issue_order_stores_the_orders_calendar_event_once_it_commits(sales_client):
    """A real commit (no test transaction around it): the receiver has the new event stored."""
    order = _pending_order_with_a_line()
    response = sales_client.post(
        reverse("salesorders:issue", args=[order.pk]), {"version": order.version}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.ISSUED
    assert OrderCalendarEvent.objects.get(order=order).version == order.version


def _receiver_fails(monkeypatch):
    def broken(order_pks, **kwargs):
        raise RuntimeError("calendar store unavailable")

    monkeypatch.setattr("order_calendar.receivers.calendar_events_refresh", broken)


def _sending_fails(monkeypatch):
    def broken(order_pks, references):
        raise RuntimeError("signal could not be sent")

    monkeypatch.setattr("salesorders.signals.send_order_changed", broken)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("break_it", [_receiver_fails, _sending_fails], ids=["receiver", "send"])
def test_a_failing_calendar_refresh_does_not_fail_issue_order(
    sales_client, monkeypatch, caplog, break_it
):
    """The order is issued, the page redirects with its message, the failure is logged."""
    order = _pending_order_with_a_line()
    break_it(monkeypatch)
    with caplog.at_level(logging.ERROR):
        response = sales_client.post(
            reverse("salesorders:issue", args=[order.pk]), {"version": order.version}, follow=True
        )
    assert response.status_code == 200
    assert f"{order.reference} issued." in response.content.decode()
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.ISSUED
    assert not OrderCalendarEvent.objects.filter(order=order).exists()
    logged = [record for record in caplog.records if record.exc_info]
    assert len(logged) == 1, [record.getMessage() for record in logged]
    assert order.reference in logged[0].getMessage()
    assert isinstance(logged[0].exc_info[1], RuntimeError)
