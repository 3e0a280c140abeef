"""The part picker: its search endpoint with free stock (constant queries), Add Line Item's
and Receive Stock's part boxes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import StockItem
from salesorders import services
from tests.factories import CustomerFactory, PartFactory, StockItemFactory, StockLocationFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("inventory:part-search")


def test_search_by_sku_or_name_shows_free_stock(sales_client):
    bolt = PartFactory(sku="BOLT-1", name="Hex bolt")
    PartFactory(sku="NUT-1", name="Hex nut")
    StockItemFactory(part=bolt, quantity=Decimal("31"))
    rows = sales_client.get(SEARCH, {"q": "hex"}).json()["results"]
    assert [row["code"] for row in rows] == ["BOLT-1", "NUT-1"]
    assert rows[0]["detail"] == "31 pcs free"


def test_search_salable_only_leaves_out_parts_an_order_cannot_take(sales_client):
    PartFactory(sku="TOOL-1", name="Jig", salable=False)
    assert sales_client.get(SEARCH, {"q": "jig", "salable": "1"}).json()["results"] == []
    assert len(sales_client.get(SEARCH, {"q": "jig"}).json()["results"]) == 1


def test_search_costs_the_same_queries_for_3_or_40_parts(
    sales_client, django_assert_max_num_queries
):
    for count in (3, 40):
        for part in PartFactory.create_batch(count, name="Washer"):
            StockItemFactory(part=part)
        with django_assert_max_num_queries(5):
            response = sales_client.get(SEARCH, {"q": "wash"}, headers={"HX-Request": "true"})
        assert response.content.decode().count('role="option"') == min(count, 10)


def test_add_line_selects_the_part_whose_sku_is_typed(sales_user, sales_client):
    order = services.salesorder_create(customer=CustomerFactory(), user=sales_user)
    bolt = PartFactory(sku="BOLT-1", name="Bolt")
    PartFactory(sku="BOLT-10", name="Long bolt")
    response = sales_client.post(
        reverse("salesorders:line-add", args=[order.pk]),
        {"version": order.version, "part_q": "bolt-1", "quantity": "4", "discount_percent": "0"},
    )
    assert response.status_code == 302
    assert order.lines.get().part == bolt


def test_receive_stock_selects_the_one_part_named(warehouse_client):
    washer = PartFactory(sku="W-1", name="Steel washer")
    location = StockLocationFactory()
    response = warehouse_client.post(
        reverse("inventory:stockitem-receive"),
        {
            "part_q": "steel wash",
            "location": location.pk,
            "quantity": "5",
            "status": StockItem.Status.OK,
            "received_date": "2026-01-05",
        },
    )
    assert response.status_code == 302
    assert StockItem.objects.get().part == washer
