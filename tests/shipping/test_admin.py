"""Admin: shipments and allocations are registered; what the rules protect is read-only."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from salesorders.models import SalesOrder
from shipping import services
from shipping.models import Allocation, Shipment
from tests.shipping.helpers import assert_invariants, issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(manager_user):
    order = issued_order()
    line = order_line(order)
    shipment = new_shipment(order)
    services.allocation_create(
        line=line, stock_item=stock(line.part), shipment=shipment, quantity=2, user=manager_user
    )
    return order, line, shipment


def test_admin_pages_open(manager_client, shipped):
    _, _, shipment = shipped
    for name in ("shipping_shipment_changelist", "shipping_allocation_changelist"):
        assert manager_client.get(reverse(f"admin:{name}")).status_code == 200
    change = reverse("admin:shipping_shipment_change", args=[shipment.pk])
    assert manager_client.get(change).status_code == 200
    allocation = Allocation.objects.get()
    page = manager_client.get(reverse("admin:shipping_allocation_change", args=[allocation.pk]))
    assert page.status_code == 200 and b'name="quantity"' not in page.content


def test_admin_add_shipment_goes_through_the_service(manager_client):
    order = issued_order()
    response = manager_client.post(
        reverse("admin:shipping_shipment_add"),
        {
            "order": order.pk,
            "reference": "",
            "carrier": "DHL",
            "address": "",
            "notes": "",
            "tracking_number": "",
            "allocations-TOTAL_FORMS": "0",
            "allocations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    shipment = order.shipments.get()
    assert shipment.reference == "1" and shipment.address == order.ship_to


def test_admin_complete_action_ships_and_shipped_shipment_is_read_only(manager_client, shipped):
    _, line, shipment = shipped
    manager_client.post(
        reverse("admin:shipping_shipment_changelist"),
        {"action": "complete_shipments", "_selected_action": [shipment.pk]},
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED
    page = manager_client.get(reverse("admin:shipping_shipment_change", args=[shipment.pk]))
    html = page.content.decode()
    assert 'name="reference"' not in html and 'name="tracking_number"' in html
    assert "deletelink" not in html
    assert_invariants()


def test_admin_release_action_and_delete_pending_shipment_keep_counters(manager_client, shipped):
    _, line, shipment = shipped
    manager_client.post(
        reverse("admin:shipping_allocation_changelist"),
        {"action": "release", "_selected_action": [Allocation.objects.get().pk]},
    )
    line.refresh_from_db()
    assert line.allocated_quantity == 0 and not Allocation.objects.exists()
    manager_client.post(
        reverse("admin:shipping_shipment_changelist"),
        {"action": "delete_pending_shipments", "_selected_action": [shipment.pk]},
    )
    assert not Shipment.objects.exists()
    assert_invariants()


def admin_form(**data):
    """What the admin's shipment form posts (no allocation rows)."""
    return {
        "reference": "",
        "carrier": "",
        "tracking_number": "",
        "address": "",
        "notes": "",
        "allocations-TOTAL_FORMS": "0",
        "allocations-INITIAL_FORMS": "0",
        **data,
    }


def test_admin_add_refused_by_the_service_says_not_saved_and_writes_nothing(
    manager_client, monkeypatch
):
    """The order is put on hold between the form's check and the save: no server error."""
    order = issued_order()
    real_create = services.shipment_create

    def held_meanwhile(**kwargs):
        SalesOrder.objects.filter(pk=order.pk).update(status=SalesOrder.Status.ON_HOLD)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "shipment_create", held_meanwhile)
    add = reverse("admin:shipping_shipment_add")
    response = manager_client.post(add, admin_form(order=order.pk, carrier="DHL"))
    assert response.status_code == 302 and response["Location"] == add
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        f"Not saved: {order} is On Hold: shipments can be created only on an issued order."
    ]
    assert not Shipment.objects.exists()


def test_admin_change_refused_by_the_service_says_not_saved_and_not_changed(manager_client):
    order = issued_order()
    new_shipment(order, "1")
    second = new_shipment(order, "2")
    change = reverse("admin:shipping_shipment_change", args=[second.pk])
    response = manager_client.post(change, admin_form(reference="1", carrier="DHL"), follow=True)
    assert response.redirect_chain[0] == (change, 302)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"Not saved: {order} already has a shipment with reference 1."]
    assert "changed successfully" not in response.content.decode()
    second.refresh_from_db()
    assert (second.reference, second.carrier) == ("2", "")
