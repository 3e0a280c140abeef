from decimal import Decimal

import pytest
from django.urls import reverse

from inventory import services
from inventory.admin import StockItemAdmin
from inventory.models import StockItem, StockLocation
from tests.factories import StockItemFactory, StockLocationFactory

pytestmark = pytest.mark.django_db


def change_data(item, **overrides):
    data = {
        "batch_code": item.batch_code,
        "expiry_date": "",
        "received_date": item.received_date.isoformat(),
        "adjust_to": "",
        "adjust_reason": "",
        "movements-TOTAL_FORMS": "0",
        "movements-INITIAL_FORMS": "0",
        "movements-MIN_NUM_FORMS": "0",
        "movements-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_quantity_is_read_only(manager_client):
    """Posting a quantity to the admin change form does not change the stock."""
    item = StockItemFactory(quantity=Decimal("10"))
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    response = manager_client.post(url, change_data(item, quantity="999"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.quantity == Decimal("10")
    assert not item.movements.exists()


def test_admin_adjustment_writes_movement(manager_client, manager_user):
    item = StockItemFactory(quantity=Decimal("10"))
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    missing_reason = manager_client.post(url, change_data(item, adjust_to="7"))
    assert missing_reason.status_code == 200
    assert "Say why the quantity changes." in missing_reason.text
    manager_client.post(url, change_data(item, adjust_to="7", adjust_reason="Count"))
    item.refresh_from_db()
    assert item.quantity == Decimal("7")
    movement = item.movements.get()
    assert (movement.quantity_delta, movement.user) == (Decimal("-3"), manager_user)


def test_admin_cannot_add_stock_or_edit_ledger(manager_client):
    assert manager_client.get(reverse("admin:inventory_stockitem_add")).status_code == 403
    assert manager_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403


def test_admin_status_action_refuses_allocated_stock(manager_client):
    free = StockItemFactory()
    held = StockItemFactory(quantity=Decimal("5"), allocated_quantity=Decimal("2"))
    manager_client.post(
        reverse("admin:inventory_stockitem_changelist"),
        {"action": "mark_damaged", "_selected_action": [free.pk, held.pk]},
    )
    free.refresh_from_db()
    held.refresh_from_db()
    assert free.status == StockItem.Status.DAMAGED
    assert held.status == StockItem.Status.OK


def test_admin_movement_list_searches_by_part_sku(manager_client):
    """The read-only ledger in the admin finds a part's movements by SKU and opens one."""
    bolt = StockItemFactory(part__sku="BOLT-M8", quantity=Decimal("10"))
    nut = StockItemFactory(part__sku="NUT-M8", quantity=Decimal("10"))
    services.stock_adjust(item=bolt, new_quantity=Decimal("9"), reason="Count", user=None)
    services.stock_adjust(item=nut, new_quantity=Decimal("8"), reason="Count", user=None)
    changelist = reverse("admin:inventory_stockmovement_changelist")
    response = manager_client.get(changelist, {"q": "BOLT-M8"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(bolt.movements.all())
    movement = bolt.movements.get()
    detail = reverse("admin:inventory_stockmovement_change", args=[movement.pk])
    assert manager_client.get(detail).status_code == 200


def test_admin_edit_keeps_a_concurrent_shipment_and_allocation(manager_client, monkeypatch):
    """Someone ships and allocates while the admin form is being saved: the admin writes only
    the batch code, not the quantity, allocation and status it read before."""
    item = StockItemFactory(quantity=Decimal("10"), batch_code="OLD")
    real_get_object = StockItemAdmin.get_object

    def get_object_then_concurrent_change(self, request, object_id, from_field=None):
        obj = real_get_object(self, request, object_id, from_field)
        StockItem.objects.filter(pk=item.pk).update(
            quantity=Decimal("6"), allocated_quantity=Decimal("2")
        )
        return obj

    monkeypatch.setattr(StockItemAdmin, "get_object", get_object_then_concurrent_change)
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    response = manager_client.post(url, change_data(item, batch_code="NEW"), follow=True)
    assert "was changed successfully" in response.text
    item.refresh_from_db()
    assert item.batch_code == "NEW"
    assert (item.quantity, item.allocated_quantity) == (Decimal("6"), Decimal("2"))
    assert item.status == StockItem.Status.OK


def test_admin_refused_adjustment_saves_nothing_and_says_why(manager_client):
    """An adjustment below the allocated quantity is refused: the other edits on the form are
    not saved either, and the page says "Not saved" instead of "changed successfully"."""
    item = StockItemFactory(
        quantity=Decimal("10"), allocated_quantity=Decimal("4"), batch_code="OLD"
    )
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    data = change_data(item, batch_code="NEW", adjust_to="3", adjust_reason="Count")
    response = manager_client.post(url, data, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Not saved:" in response.text
    assert "is allocated" in response.text
    assert "was changed successfully" not in response.text
    item.refresh_from_db()
    assert (item.batch_code, item.quantity) == ("OLD", Decimal("10"))
    assert not item.movements.exists()


def location_data(location, parent):
    return {"name": location.name, "description": "", "parent": str(parent.pk)}


def test_admin_refuses_location_as_its_own_parent(manager_client):
    location = StockLocationFactory(name="Aisle 1")
    url = reverse("admin:inventory_stocklocation_change", args=[location.pk])
    response = manager_client.post(url, location_data(location, location))
    assert response.status_code == 200
    assert "A location cannot be its own parent." in response.text
    location.refresh_from_db()
    assert location.parent is None


def test_admin_refuses_a_sub_location_as_parent(manager_client):
    """Putting a site inside a shelf of its own would make a loop: refused at the field."""
    site = StockLocationFactory(name="Site")
    aisle = StockLocationFactory(name="Aisle", parent=site)
    shelf = StockLocationFactory(name="Shelf", parent=aisle)
    url = reverse("admin:inventory_stocklocation_change", args=[site.pk])
    response = manager_client.post(url, location_data(site, shelf))
    assert response.status_code == 200
    assert "Shelf is inside Site, so it cannot be its parent" in response.text
    site.refresh_from_db()
    assert site.parent is None
    # A location outside it is fine.
    other = StockLocationFactory(name="Other site")
    assert manager_client.post(url, location_data(site, other)).status_code == 302
    assert StockLocation.objects.get(pk=site.pk).parent == other
