"""Units allow their decimals (pcs whole, kg 3, m 2, ...) and service parts have no stock."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from core.numbers import format_quantity
from inventory import services
from inventory.exceptions import InventoryError, StockQuantityError
from inventory.models import UNITS, Part, StockItem, StockMovement, format_per_unit
from tests.factories import (
    PartFactory,
    ServicePartFactory,
    StockItemFactory,
    StockLocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


@pytest.fixture
def shelf():
    return StockLocationFactory(name="Main store")


@pytest.fixture
def helmet():
    return PartFactory(sku="HLM-WHT", name="Safety helmet", unit=Part.Unit.PIECES)


def test_every_unit_of_the_choices_says_how_many_decimals_it_allows():
    assert set(UNITS) == set(Part.Unit.values)
    assert {unit: rule.decimals for unit, rule in UNITS.items()} == {
        "pcs": 0,
        "box": 0,
        "kg": 3,
        "m": 2,
        "l": 3,
        "h": 2,
    }


def test_quantities_show_with_their_units_decimals_and_never_lose_digits():
    assert format_quantity(D("2.5"), 3) == "2.500"
    assert format_quantity(D("10.0000"), 0) == "10"
    assert format_quantity(D("3"), 2) == "3.00"
    assert format_quantity(D("2.5"), 0) == "2.5"  # more places than allowed: shown in full
    rendered = Template("{% load unit_tags %}{{ q|unit_qty:'kg' }} / {{ t|per_unit }}").render(
        Context({"q": D("2.5"), "t": {"pcs": D("40"), "m": D("3")}})
    )
    assert rendered == "2.500 kg / 40 pcs and 3.00 m"
    assert format_per_unit({}) == "nothing"


def test_receiving_half_a_piece_is_refused_naming_the_unit_and_nothing_is_written(
    helmet, shelf, clerk
):
    with pytest.raises(StockQuantityError) as refused:
        services.stock_receive(part=helmet, location=shelf, quantity=D("2.5"), user=clerk)
    assert refused.value.message_dict["quantity"] == [
        "Safety helmet is counted in whole pieces (pcs): 2.5 is not allowed."
    ]
    assert not StockItem.objects.exists() and not StockMovement.objects.exists()


def test_receiving_kilograms_allows_three_decimals_and_refuses_a_fourth(shelf, clerk):
    salt = PartFactory(name="De-icing salt", unit=Part.Unit.KILOGRAMS)
    item = services.stock_receive(part=salt, location=shelf, quantity=D("12.345"), user=clerk)
    assert item.quantity == D("12.345")
    with pytest.raises(StockQuantityError) as refused:
        services.stock_receive(part=salt, location=shelf, quantity=D("1.2345"), user=clerk)
    assert refused.value.message_dict["quantity"] == [
        "De-icing salt is counted in kilograms (kg) to 3 decimal places: 1.2345 is not allowed."
    ]
    assert StockItem.objects.count() == 1


def test_adjusting_to_a_fraction_of_a_piece_is_refused_and_the_quantity_stays(helmet, clerk):
    item = StockItemFactory(part=helmet, quantity=D("10"))
    with pytest.raises(StockQuantityError) as refused:
        services.stock_adjust(item=item, new_quantity=D("7.5"), reason="count", user=clerk)
    assert "whole pieces (pcs): 7.5 is not allowed" in refused.value.message_dict["new_quantity"][0]
    item.refresh_from_db()
    assert item.quantity == D("10") and not item.movements.exists()


def test_receiving_stock_of_a_service_part_is_refused(shelf, clerk):
    service = ServicePartFactory()
    with pytest.raises(InventoryError) as refused:
        services.stock_receive(part=service, location=shelf, quantity=D("1"), user=clerk)
    assert refused.value.message_dict["part"] == [
        "Installation (per hour) is a service: it has no stock to receive (it is delivered)."
    ]
    assert not StockItem.objects.exists()


def test_a_part_with_stock_cannot_become_a_service_nor_a_unit_its_stock_does_not_fit(clerk):
    rope = PartFactory(name="Rope", unit=Part.Unit.METRES)
    StockItemFactory(part=rope, quantity=D("12.5"))
    rope.kind = Part.Kind.SERVICE
    with pytest.raises(InventoryError) as refused:
        services.part_save(part=rope, user=clerk)
    assert "has stock items, so it cannot become a service" in refused.value.message_dict["kind"][0]
    rope.kind, rope.unit = Part.Kind.STOCK, Part.Unit.PIECES
    with pytest.raises(InventoryError) as refused:
        services.part_save(part=rope, user=clerk)
    assert refused.value.message_dict["unit"] == [
        "Rope has a stock item of 12.5, which is not counted in whole pieces (pcs); "
        "adjust that stock first."
    ]
    rope.refresh_from_db()
    assert rope.kind == Part.Kind.STOCK and rope.unit == Part.Unit.METRES


def test_receive_stock_page_shows_the_unit_refusal_at_the_quantity(warehouse_client, helmet, shelf):
    data = {
        "part": helmet.pk,
        "location": shelf.pk,
        "quantity": "2.5",
        "status": StockItem.Status.OK,
        "received_date": "2026-01-05",
    }
    response = warehouse_client.post(reverse("inventory:stockitem-receive"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [
        "Safety helmet is counted in whole pieces (pcs): 2.5 is not allowed."
    ]
    assert not StockItem.objects.exists()


def test_receive_stock_does_not_offer_service_parts(warehouse_client, helmet):
    service = ServicePartFactory()
    response = warehouse_client.get(reverse("inventory:stockitem-receive"))
    offered = list(response.context["form"].fields["part"].queryset)
    assert helmet in offered and service not in offered


def test_admin_adjust_to_half_a_piece_is_refused_and_nothing_is_saved(manager_client):
    item = StockItemFactory(part=PartFactory(name="Safety helmet"), quantity=D("10"))
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    data = {
        "batch_code": "NEW",
        "expiry_date": "",
        "received_date": item.received_date.isoformat(),
        "adjust_to": "7.5",
        "adjust_reason": "Count",
        "movements-TOTAL_FORMS": "0",
        "movements-INITIAL_FORMS": "0",
        "movements-MIN_NUM_FORMS": "0",
        "movements-MAX_NUM_FORMS": "1000",
    }
    response = manager_client.post(url, data, follow=True)
    assert "Safety helmet is counted in whole pieces (pcs): 7.5 is not allowed." in response.text
    item.refresh_from_db()
    assert (item.batch_code, item.quantity) == ("", D("10")) and not item.movements.exists()


def test_admin_refuses_making_a_part_with_stock_a_service(manager_client):
    part = PartFactory(name="Rope")
    StockItemFactory(part=part, quantity=D("3"))
    url = reverse("admin:inventory_part_change", args=[part.pk])
    data = {
        "sku": part.sku,
        "name": part.name,
        "description": "",
        "unit": part.unit,
        "kind": Part.Kind.SERVICE,
        "list_price": "10",
        "default_tax_rate": part.default_tax_rate_id,
        "salable": "on",
        "active": "on",
        "notes": "",
        "price_breaks-TOTAL_FORMS": "0",
        "price_breaks-INITIAL_FORMS": "0",
        "price_breaks-MIN_NUM_FORMS": "0",
        "price_breaks-MAX_NUM_FORMS": "1000",
    }
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Rope has stock items, so it cannot become a service" in response.text
    part.refresh_from_db()
    assert part.kind == Part.Kind.STOCK
