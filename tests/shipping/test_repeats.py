"""An action repeated on something already where it leads (a double click, a second tab) is
told so as information, not as a red error, and writes nothing more."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salesorders.models import SalesOrder
from shipping import services
from tests.factories import UserFactory
from tests.shipping.helpers import issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db
D = Decimal


def alerts(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


@pytest.fixture
def allocated(db):
    order = issued_order()
    line = order_line(order, quantity="5")
    shipment = new_shipment(order)
    allocation = services.allocation_create(
        line=line, stock_item=stock(line.part), shipment=shipment, quantity=D("5"), user=None
    )
    order.refresh_from_db()
    return order, shipment, allocation


def test_second_complete_shipment_says_it_was_already_shipped(manager_client, allocated):
    order, shipment, _ = allocated
    url = reverse("shipping:shipment-complete", args=[order.pk, shipment.pk])
    manager_client.post(url, {"carrier": "DHL"}, follow=True)
    order.refresh_from_db()
    version = order.version
    response = manager_client.post(url, {"carrier": "DHL"}, follow=True)
    today = timezone.localdate()
    assert alerts(response) == [
        (
            "info",
            f"Shipment {shipment.reference} of {order} was already shipped on {today:%d %b %Y}.",
        )
    ]
    assert "alert-danger" not in response.content.decode()
    order.refresh_from_db()
    assert order.version == version
    assert order.lines.get().shipped_quantity == 5
    assert order.events.filter(kind="shipment_shipped").count() == 1


def test_second_delete_of_a_shipment_and_remove_of_an_allocation_are_information(
    manager_client, allocated
):
    order, shipment, allocation = allocated
    remove = reverse("shipping:allocation-delete", args=[order.pk, shipment.pk, allocation.pk])
    manager_client.post(remove, follow=True)
    response = manager_client.post(remove, follow=True)
    assert alerts(response) == [("info", "That allocation was already removed.")]
    delete = reverse("shipping:shipment-delete", args=[order.pk, shipment.pk])
    manager_client.post(delete, follow=True)
    response = manager_client.post(delete, follow=True)
    assert response.status_code == 200
    assert alerts(response) == [("info", "That shipment was already deleted.")]
    assert order.events.filter(kind="shipment_deleted").count() == 1


def test_second_mark_delivered_on_the_same_date_is_information(manager_client, allocated):
    order, shipment, _ = allocated
    services.shipment_complete(shipment=shipment, user=None)
    url = reverse("shipping:shipment-deliver", args=[order.pk, shipment.pk])
    manager_client.post(url, {"delivery_date": ""}, follow=True)
    response = manager_client.post(url, {"delivery_date": ""}, follow=True)
    today = timezone.localdate()
    assert alerts(response) == [
        (
            "info",
            f"Shipment {shipment.reference} of {order} was already delivered on {today:%d %b %Y}.",
        )
    ]
    assert order.events.filter(kind="shipment_delivered").count() == 1


def test_second_cancel_order_says_it_was_already_cancelled_and_keeps_the_version(
    manager_client, allocated
):
    """The second click carries the version the first one changed: it is not told "changed by
    someone", but that the order already is cancelled."""
    order, _, _ = allocated
    url = reverse("shipping:salesorder-cancel", args=[order.pk])
    manager_client.post(url, {"version": order.version}, follow=True)
    cancelled = SalesOrder.objects.get(pk=order.pk)
    response = manager_client.post(url, {"version": order.version}, follow=True)
    on = timezone.localtime(cancelled.cancelled_at)
    assert alerts(response) == [("info", f"{order} was already cancelled on {on:%d %b %Y}.")]
    assert SalesOrder.objects.get(pk=order.pk).version == cancelled.version
    assert cancelled.events.filter(kind="cancelled").count() == 1


@pytest.mark.parametrize(
    ("first", "expected"),
    [("issue", "was already issued on"), ("hold", "was already put on hold.")],
)
def test_a_repeated_order_transition_is_information(manager_client, first, expected):
    order = issued_order(status=SalesOrder.Status.PENDING)
    order_line(order)
    url = reverse(f"salesorders:{first}", args=[order.pk])
    data = {"version": order.version, "reason": "Credit check"}
    manager_client.post(url, data, follow=True)
    changed = SalesOrder.objects.get(pk=order.pk)
    response = manager_client.post(url, data, follow=True)
    [(level, text)] = alerts(response)
    assert level == "info" and text.startswith(f"{order} ") and expected in text
    assert SalesOrder.objects.get(pk=order.pk).version == changed.version


def test_admin_action_repeated_is_information(manager_client, allocated):
    order, shipment, _ = allocated
    services.shipment_complete(shipment=shipment, user=UserFactory())
    response = manager_client.post(
        reverse("admin:shipping_shipment_changelist"),
        {"action": "complete_shipments", "_selected_action": [shipment.pk]},
        follow=True,
    )
    [(level, text)] = alerts(response)
    assert level == "info" and "was already shipped on" in text
