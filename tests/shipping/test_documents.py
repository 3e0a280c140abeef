"""The shipment's printable pick list (grouped by stock location) and delivery note (ordered /
shipped / backordered per line)."""

import re

import pytest
from django.urls import reverse

from shipping import services
from tests.factories import PartFactory, StockLocationFactory
from tests.shipping.helpers import D, issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(warehouse_user):
    """An order of three lines: BOLT (10, from two shelves), NUT (5, shelf A) and WASHER (8,
    nothing allocated); its pending shipment holds 6 + 4 BOLT and 5 NUT."""
    order = issued_order()
    shelf_a, shelf_b = StockLocationFactory(name="A-01"), StockLocationFactory(name="B-07")
    bolt, nut = PartFactory(sku="BOLT"), PartFactory(sku="NUT")
    bolt_line, nut_line = order_line(order, bolt, "10"), order_line(order, nut, "5")
    order_line(order, PartFactory(sku="WASHER"), "8")
    shipment = new_shipment(order)
    for line, item, quantity in [
        (bolt_line, stock(bolt, "6", location=shelf_b), "6"),
        (bolt_line, stock(bolt, "50", location=shelf_a), "4"),
        (nut_line, stock(nut, "50", location=shelf_a), "5"),
    ]:
        services.allocation_create(
            shipment=shipment, line=line, stock_item=item, quantity=D(quantity), user=warehouse_user
        )
    return shipment


def test_pick_list_groups_the_allocations_by_location(warehouse_client, shipment):
    html = warehouse_client.get(
        reverse("shipping:shipment-pick-list", args=[shipment.pk])
    ).content.decode()
    sections = html.split('data-testid="pick-location"')[1:]
    assert [re.search(r">([^<]+)</h2>", s)[1] for s in sections] == ["A-01", "B-07"]
    assert "BOLT" in sections[0] and "NUT" in sections[0] and "4 pcs" in sections[0]
    assert "BOLT" in sections[1] and "NUT" not in sections[1] and "6 pcs" in sections[1]


def test_delivery_note_shows_ordered_shipped_and_backordered(
    warehouse_client, warehouse_user, shipment
):
    services.shipment_complete(shipment=shipment, user=warehouse_user)
    html = warehouse_client.get(
        reverse("shipping:shipment-delivery-note", args=[shipment.pk])
    ).content.decode()

    def cells(sku):
        row = html.split(f'data-testid="note-{sku}"', 1)[1].split("</tr>", 1)[0]
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]

    assert cells("BOLT")[2:] == ["10 pcs", "0", "10", "0"]
    assert cells("NUT")[2:] == ["5 pcs", "0", "5", "0"]
    assert cells("WASHER")[2:] == ["8 pcs", "0", "0", "8"]


def test_documents_cost_a_constant_number_of_queries(
    warehouse_client, shipment, django_assert_max_num_queries
):
    for name in ("shipment-pick-list", "shipment-delivery-note"):
        with django_assert_max_num_queries(12):
            response = warehouse_client.get(reverse(f"shipping:{name}", args=[shipment.pk]))
        assert response.status_code == 200
