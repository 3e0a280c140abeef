from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from inventory import services
from inventory.models import Part, PriceBreak, StockItem, StockMovement
from tests.factories import (
    PartFactory,
    PriceBreakFactory,
    StockItemFactory,
    StockLocationFactory,
    TaxRateFactory,
)

pytestmark = pytest.mark.django_db


def part_post(**overrides):
    data = {
        "sku": "BOLT-M8",
        "name": "Hex bolt M8",
        "description": "",
        "unit": "pcs",
        "kind": "stock",
        "list_price": "0.5000",
        "default_tax_rate": str(TaxRateFactory().pk),
        "salable": "on",
        "active": "on",
        "notes": "",
        "breaks-TOTAL_FORMS": "3",
        "breaks-INITIAL_FORMS": "0",
        "breaks-MIN_NUM_FORMS": "0",
        "breaks-MAX_NUM_FORMS": "1000",
    }
    for index in range(3):
        data[f"breaks-{index}-min_quantity"] = ""
        data[f"breaks-{index}-unit_price"] = ""
    data.update(overrides)
    return data


def test_part_list_shows_stock_and_searches(sales_client):
    part = PartFactory(sku="BOLT-M8", name="Hex bolt")
    PartFactory(sku="NUT-M8", name="Hex nut")
    StockItemFactory(part=part, quantity=Decimal("40"), allocated_quantity=Decimal("15"))
    page = sales_client.get(reverse("inventory:part-list"), {"q": "bolt"})
    assert "BOLT-M8" in page.text and "NUT-M8" not in page.text
    row = page.context["table"].page.object_list.data[0]
    assert (row.on_hand, row.available) == (Decimal("40"), Decimal("25"))
    assert ">25<" in page.text.replace(" ", "")


def test_part_list_filters_salable_and_active(sales_client):
    PartFactory(sku="SELL")
    PartFactory(sku="SPARE", salable=False)
    PartFactory(sku="OLD", active=False)
    page = sales_client.get(reverse("inventory:part-list"), {"salable": "false"})
    assert "SPARE" in page.text and "SELL" not in page.text
    page = sales_client.get(reverse("inventory:part-list"), {"active": "false"})
    assert "OLD" in page.text and "SPARE" not in page.text


@pytest.mark.parametrize("rows", [1, 40])
def test_list_pages_query_count_constant(sales_client, django_assert_max_num_queries, rows):
    """Part and stock lists cost the same queries for one row or a full page."""
    for _ in range(rows):
        item = StockItemFactory()
        PriceBreakFactory(part=item.part)
    with django_assert_max_num_queries(10):
        assert sales_client.get(reverse("inventory:part-list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert sales_client.get(reverse("inventory:stockitem-list")).status_code == 200


@pytest.mark.parametrize("rows", [1, 70])
def test_detail_pages_query_count_constant(
    warehouse_client, warehouse_user, django_assert_max_num_queries, rows
):
    """A part with many stock items, breaks and movements still costs a fixed query count."""
    part = PartFactory()
    location = StockLocationFactory()
    for index in range(rows):
        PriceBreakFactory(part=part, min_quantity=Decimal(index + 1))
        item = services.stock_receive(
            part=part, location=location, quantity=Decimal("3"), user=warehouse_user
        )
    with django_assert_max_num_queries(9):
        page = warehouse_client.get(part.get_absolute_url())
    assert page.status_code == 200
    with django_assert_max_num_queries(12):
        assert warehouse_client.get(item.get_absolute_url()).status_code == 200


def test_part_page_shows_25_of_40_stock_items_and_links_to_all(warehouse_client):
    """A part with 40 stock items shows the oldest 25; the link opens the stock list of all 40."""
    part, other = PartFactory(), PartFactory()
    location = StockLocationFactory()
    for _ in range(40):
        services.stock_receive(part=part, location=location, quantity=Decimal("2"), user=None)
    services.stock_receive(part=other, location=location, quantity=Decimal("9"), user=None)

    page = warehouse_client.get(part.get_absolute_url())

    oldest = list(StockItem.objects.filter(part=part).order_by("received_date", "pk")[:25])
    assert [row.record for row in page.context["stock_table"].rows] == oldest
    stock_list = f"{reverse('inventory:stockitem-list')}?{urlencode({'part': part.sku})}"
    assert f'href="{stock_list}" data-testid="all-stock-items">All 40 stock items of this part' in (
        page.text
    )
    listed = warehouse_client.get(stock_list)
    assert listed.context["table"].paginator.count == 40
    assert {row.record.part_id for row in listed.context["table"].page.object_list} == {part.pk}


def test_part_page_shows_the_latest_25_movements_of_this_part_only(warehouse_client):
    """Movements are this part's newest 25, and the heading says it is not all of them."""
    part, other = PartFactory(), PartFactory()
    location = StockLocationFactory()
    item = services.stock_receive(part=part, location=location, quantity=Decimal("100"), user=None)
    for count in range(29):
        services.stock_adjust(
            item=item, new_quantity=Decimal(99 - count), reason=f"Count {count}", user=None
        )
    services.stock_receive(part=other, location=location, quantity=Decimal("9"), user=None)

    page = warehouse_client.get(part.get_absolute_url())

    shown = [row.record for row in page.context["movement_table"].rows]
    assert shown == list(StockMovement.objects.filter(stock_item=item).order_by("-pk")[:25])
    assert "Latest 25 movements" in page.text
    assert "Count 4<" in page.text and "Count 3<" not in page.text


def test_part_page_with_little_stock_shows_everything(warehouse_client):
    """Few stock items and movements: all are shown, with no "latest" or "all N" wording."""
    part = PartFactory()
    services.stock_receive(part=part, location=StockLocationFactory(), quantity=1, user=None)
    page = warehouse_client.get(part.get_absolute_url())
    assert len(page.context["stock_table"].rows) == 1
    assert len(page.context["movement_table"].rows) == 1
    assert "Open in stock list" in page.text and "stock items of this part" not in page.text
    assert ">Movements<" in page.text and "Latest" not in page.text


def test_create_part_with_two_price_breaks(warehouse_client):
    data = part_post(
        **{
            "breaks-0-min_quantity": "10",
            "breaks-0-unit_price": "0.4500",
            "breaks-1-min_quantity": "100",
            "breaks-1-unit_price": "0.4000",
        }
    )
    response = warehouse_client.post(reverse("inventory:part-create"), data)
    part = Part.objects.get(sku="BOLT-M8")
    assert response.status_code == 302
    assert response["Location"] == part.get_absolute_url()
    assert [(b.min_quantity, b.unit_price) for b in part.price_breaks.all()] == [
        (Decimal("10"), Decimal("0.4500")),
        (Decimal("100"), Decimal("0.4000")),
    ]


def test_a_tampered_price_break_count_is_refused_without_building_the_forms(warehouse_client):
    response = warehouse_client.post(
        reverse("inventory:part-create"), part_post(**{"breaks-TOTAL_FORMS": "99999999"})
    )
    assert response.status_code == 200
    assert "Please submit at most 50 forms." in response.text
    assert len(response.context["formset"].forms) == 50
    assert not Part.objects.exists()


def test_duplicate_price_break_quantity_refused_at_field(warehouse_client):
    data = part_post(
        **{
            "breaks-0-min_quantity": "10",
            "breaks-0-unit_price": "0.4500",
            "breaks-1-min_quantity": "10.0",
            "breaks-1-unit_price": "0.4000",
        }
    )
    response = warehouse_client.post(reverse("inventory:part-create"), data)
    assert response.status_code == 200
    assert "Another price break already starts at this quantity." in response.text
    assert not Part.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("breaks-0-min_quantity", "0", "A minimum quantity must be above zero."),
        ("list_price", "-1", "A list price cannot be negative."),
    ],
)
def test_bad_part_input_refused(warehouse_client, field, value, message):
    data = part_post(**{"breaks-0-min_quantity": "5", "breaks-0-unit_price": "1"})
    data[field] = value
    response = warehouse_client.post(reverse("inventory:part-create"), data)
    assert message in response.text
    assert not Part.objects.exists()


def test_duplicate_sku_refused_at_field(warehouse_client):
    PartFactory(sku="BOLT-M8")
    response = warehouse_client.post(reverse("inventory:part-create"), part_post())
    assert "Part with this SKU already exists." in response.text
    assert Part.objects.count() == 1


def test_edit_part_updates_and_removes_breaks(warehouse_client):
    part = PartFactory(sku="BOLT-M8")
    keep = PriceBreakFactory(part=part, min_quantity=Decimal("10"), unit_price=Decimal("9"))
    drop = PriceBreakFactory(part=part, min_quantity=Decimal("50"), unit_price=Decimal("8"))
    data = part_post(
        **{
            "name": "Renamed bolt",
            "breaks-TOTAL_FORMS": "3",
            "breaks-INITIAL_FORMS": "2",
            "breaks-0-id": str(keep.pk),
            "breaks-0-min_quantity": "10",
            "breaks-0-unit_price": "8.5",
            "breaks-1-id": str(drop.pk),
            "breaks-1-min_quantity": "50",
            "breaks-1-unit_price": "8",
            "breaks-1-DELETE": "on",
        }
    )
    response = warehouse_client.post(reverse("inventory:part-update", args=[part.pk]), data)
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.name == "Renamed bolt"
    assert list(PriceBreak.objects.values_list("pk", "unit_price")) == [
        (keep.pk, Decimal("8.5000"))
    ]


def test_receive_stock_through_form(warehouse_client, warehouse_user):
    part = PartFactory()
    location = StockLocationFactory()
    page = warehouse_client.get(reverse("inventory:stockitem-receive"), {"part": part.pk})
    assert "Receive Stock" in page.text
    response = warehouse_client.post(
        reverse("inventory:stockitem-receive"),
        {
            "part": part.pk,
            "location": location.pk,
            "quantity": "12",
            "status": "ok",
            "received_date": "2025-01-15",
            "reference": "DN-4411",
        },
        follow=True,
    )
    item = StockItem.objects.get()
    assert item.quantity == Decimal("12")
    assert "Received 12" in response.text
    movement = StockMovement.objects.get()
    assert (movement.user, movement.reference) == (warehouse_user, "DN-4411")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "Enter a quantity above zero."),
        ({"quantity": "-3"}, "quantity", "Enter a quantity above zero."),
        (
            {"quantity": "2", "serial_number": "SN-1"},
            "quantity",
            "A serialised item has quantity 1",
        ),
        ({"quantity": "1", "serial_number": "DUP"}, "serial_number", "already has an item"),
    ],
)
def test_receive_bad_input_at_field(warehouse_client, overrides, field, message):
    part = PartFactory()
    StockItemFactory(part=part, serial_number="DUP", quantity=1)
    data = {
        "part": part.pk,
        "location": StockLocationFactory().pk,
        "status": "ok",
        "received_date": "2025-01-15",
        **overrides,
    }
    response = warehouse_client.post(reverse("inventory:stockitem-receive"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert StockItem.objects.count() == 1


def test_adjust_requires_reason_and_records_it(warehouse_client):
    item = StockItemFactory(quantity=Decimal("10"))
    url = reverse("inventory:stockitem-adjust", args=[item.pk])
    response = warehouse_client.post(url, {"new_quantity": "8", "reason": ""})
    assert response.context["form"].errors["reason"]
    response = warehouse_client.post(url, {"new_quantity": "8", "reason": "Count"}, follow=True)
    item.refresh_from_db()
    assert item.quantity == Decimal("8")
    assert "Quantity set to 8" in response.text
    assert "Count" in response.text  # the movement history on the item page


def test_adjust_below_allocated_shows_error_at_field(warehouse_client):
    item = StockItemFactory(quantity=Decimal("10"), allocated_quantity=Decimal("4"))
    response = warehouse_client.post(
        reverse("inventory:stockitem-adjust", args=[item.pk]),
        {"new_quantity": "3", "reason": "Count"},
    )
    assert "is allocated" in " ".join(response.context["form"].errors["new_quantity"])
    item.refresh_from_db()
    assert item.quantity == Decimal("10")


def test_move_and_change_status(warehouse_client):
    item = StockItemFactory()
    dock = StockLocationFactory(name="Dock")
    warehouse_client.post(
        reverse("inventory:stockitem-move", args=[item.pk]), {"location": dock.pk}
    )
    warehouse_client.post(
        reverse("inventory:stockitem-status", args=[item.pk]),
        {"status": "damaged", "reason": "Wet"},
    )
    item.refresh_from_db()
    assert (item.location, item.status) == (dock, StockItem.Status.DAMAGED)
    page = warehouse_client.get(item.get_absolute_url())
    assert 'class="badge text-bg-danger">Damaged' in page.text


def test_stock_list_filters(sales_client):
    dock = StockLocationFactory(name="Dock")
    a = StockItemFactory(location=dock, batch_code="BATCH-A")
    StockItemFactory(batch_code="BATCH-B", status=StockItem.Status.QUARANTINED)
    page = sales_client.get(reverse("inventory:stockitem-list"), {"location": dock.pk})
    assert "BATCH-A" in page.text and "BATCH-B" not in page.text
    page = sales_client.get(reverse("inventory:stockitem-list"), {"status": "quarantined"})
    assert "BATCH-B" in page.text and "BATCH-A" not in page.text
    page = sales_client.get(reverse("inventory:stockitem-list"), {"part": a.part.sku.lower()})
    assert "BATCH-A" in page.text and "BATCH-B" not in page.text


def test_stock_item_page_caps_the_rows_per_page_of_its_movements(sales_client):
    """?per_page= as on the lists: at least 1, at most 100; -5 is no server error."""
    item = StockItemFactory()
    for per_page, shown in (("-5", 1), ("100000", 100)):
        page = sales_client.get(item.get_absolute_url(), {"per_page": per_page})
        assert page.status_code == 200
        assert page.context["movement_table"].paginator.per_page == shown


def test_part_filter_takes_a_sku_exactly_else_part_of_a_name(sales_client):
    m6 = StockItemFactory(part=PartFactory(sku="M6", name="Washer"), batch_code="BATCH-M6")
    StockItemFactory(part=PartFactory(sku="HB-1", name="M6 hex bolt"), batch_code="BATCH-HB")
    url = reverse("inventory:stockitem-list")

    def batches(text):
        rows = sales_client.get(url, {"part": text}).context["table"].page.object_list
        return {row.record.batch_code for row in rows}

    assert batches("m6") == {m6.batch_code}
    assert batches("hex") == {"BATCH-HB"}
    assert batches("M6 hex") == {"BATCH-HB"}
    assert batches("nothing like it") == set()


@pytest.mark.parametrize(
    ("client_fixture", "may_write"),
    [("sales_client", False), ("warehouse_client", True), ("manager_client", True)],
)
def test_permissions_per_group(request, client_fixture, may_write):
    """Everyone with a role reads parts and stock; only warehouse and managers change them."""
    client = request.getfixturevalue(client_fixture)
    item = StockItemFactory(quantity=Decimal("5"))
    assert client.get(item.part.get_absolute_url()).status_code == 200
    assert client.get(item.get_absolute_url()).status_code == 200
    expected = 200 if may_write else 403
    for name in ["stockitem-adjust", "stockitem-move", "stockitem-status"]:
        assert client.get(reverse(f"inventory:{name}", args=[item.pk])).status_code == expected
    assert client.get(reverse("inventory:stockitem-receive")).status_code == expected
    assert client.get(reverse("inventory:part-create")).status_code == expected
    response = client.post(
        reverse("inventory:stockitem-adjust", args=[item.pk]), {"new_quantity": "1", "reason": "x"}
    )
    assert response.status_code == (302 if may_write else 403)
    item.refresh_from_db()
    assert item.quantity == (Decimal("1") if may_write else Decimal("5"))


def test_user_without_group_gets_403(client, user):
    client.force_login(user)
    item = StockItemFactory()
    for url in [
        reverse("inventory:part-list"),
        item.part.get_absolute_url(),
        reverse("inventory:stockitem-list"),
        item.get_absolute_url(),
    ]:
        assert client.get(url).status_code == 403, url


def test_receive_form_prefills_received_date_as_iso(warehouse_client):
    """The date picker needs YYYY-MM-DD, else the browser shows it empty and blocks saving."""
    from django.utils import timezone

    page = warehouse_client.get(reverse("inventory:stockitem-receive"))
    assert f'value="{timezone.localdate().isoformat()}"' in page.text


def test_damaged_item_page_shows_nothing_available(sales_client):
    """A damaged item's page says 0 available, however much is on hand."""
    item = StockItemFactory(quantity=Decimal("12"), status=StockItem.Status.DAMAGED)
    page = sales_client.get(item.get_absolute_url())
    assert '<dd class="col-7" data-testid="available">0</dd>' in page.text


@pytest.mark.parametrize(
    ("client_fixture", "may_write"), [("sales_client", False), ("warehouse_client", True)]
)
def test_receiving_and_adjusting_stock_per_group(request, client_fixture, may_write):
    """Sales may look at stock but gets 403 booking it in or counting it, and nothing is
    written; the warehouse may (config/roles.py)."""
    client = request.getfixturevalue(client_fixture)
    item = StockItemFactory(quantity=Decimal("5"))
    receive = {
        "part": item.part.pk,
        "location": item.location.pk,
        "quantity": "3",
        "status": "ok",
        "received_date": "2024-05-01",
    }
    expected = 302 if may_write else 403
    response = client.post(reverse("inventory:stockitem-receive"), receive)
    assert response.status_code == expected
    response = client.post(
        reverse("inventory:stockitem-adjust", args=[item.pk]),
        {"new_quantity": "1", "reason": "Count"},
    )
    assert response.status_code == expected
    item.refresh_from_db()
    assert StockItem.objects.count() == (2 if may_write else 1)
    assert item.quantity == (Decimal("1") if may_write else Decimal("5"))
    assert StockMovement.objects.count() == (2 if may_write else 0)
