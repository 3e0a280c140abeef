import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from inventory.models import StockMovement
from tests.factories import PartFactory, StockItemFactory

pytestmark = pytest.mark.django_db

add_part = importlib.import_module("inventory.migrations.0002_stockmovement_part")


def test_movement_part_migration_fills_each_movement_with_its_stock_items_part():
    """The data step of 0002 gives every existing movement the part of its stock item."""
    bolts, nuts = StockItemFactory(), StockItemFactory()
    wrong = PartFactory()
    for item in (bolts, bolts, nuts):
        StockMovement.objects.create(
            stock_item=item, part=wrong, kind="received", quantity_delta=1, quantity_after=1
        )

    add_part.fill_part_from_stock_item(apps, SimpleNamespace(connection=connection))

    assert list(StockMovement.objects.order_by("pk").values_list("stock_item", "part")) == [
        (bolts.pk, bolts.part_id),
        (bolts.pk, bolts.part_id),
        (nuts.pk, nuts.part_id),
    ]
    assert not wrong.stock_movements.exists()
