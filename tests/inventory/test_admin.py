from decimal import Decimal

import pytest
from django.urls import reverse

from inventory import services
from inventory.models import StockItem
from tests.factories import StockItemFactory

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
