"""The order page's line entry row and inline line edit (htmx), and the price preview."""

from decimal import Decimal

import pytest
from django.urls import reverse

from salesorders import services
from salesorders.models import SalesOrderLine
from tests.factories import (
    PartFactory,
    PriceListFactory,
    PriceListPriceFactory,
    ServicePartFactory,
    StockItemFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def add_url(order):
    return reverse("salesorders:line-add", args=[order.pk])


def preview_url(order):
    return reverse("salesorders:line-preview", args=[order.pk])


def test_order_page_has_the_line_entry_row_only_while_lines_may_change(
    sales_client, warehouse_user, client, order
):
    html = sales_client.get(order.get_absolute_url()).content.decode()
    assert 'id="line-entry"' in html and f'hx-post="{add_url(order)}"' in html
    assert f'name="version" value="{order.version}"' in html
    client.force_login(warehouse_user)  # may see the order, not change it
    assert 'id="line-entry"' not in client.get(order.get_absolute_url()).content.decode()


def test_entry_row_adds_a_line_and_answers_the_order_page_with_a_fresh_row(
    sales_client, order, part
):
    """htmx follows the redirect to the order page: the new line, a message, the empty row
    carrying the new version."""
    response = sales_client.post(
        add_url(order),
        {"version": order.version, "part_q": "BOLT-1", "quantity": "4"},
        follow=True,
        **HTMX,
    )
    line = SalesOrderLine.objects.get(order=order)
    assert (line.part_id, line.quantity, line.unit_price) == (part.pk, 4, Decimal("2.5"))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="line-BOLT-1"' in html
    assert "Added BOLT-1 x 4 at 2.5 (List price)." in html
    order.refresh_from_db()
    assert 'id="line-entry"' in html
    assert f'name="version" value="{order.version}"' in html
    assert 'name="part_q" value=""' in html


def test_entry_row_warns_when_the_quantity_exceeds_free_stock_but_adds_the_line(
    sales_client, order, part
):
    StockItemFactory(part=part, quantity=Decimal("3"))
    response = sales_client.post(
        add_url(order),
        {"version": order.version, "part": part.pk, "quantity": "5"},
        follow=True,
        **HTMX,
    )
    html = response.content.decode()
    assert "Not enough free stock of BOLT-1: 2 pcs of the line must wait for stock." in html
    assert SalesOrderLine.objects.get(order=order).quantity == 5


def test_entry_row_says_nothing_of_stock_when_it_covers_the_line(sales_client, order, part):
    StockItemFactory(part=part, quantity=Decimal("5"))
    response = sales_client.post(
        add_url(order), {"version": order.version, "part": part.pk, "quantity": "5"}, follow=True
    )
    assert "Not enough free stock" not in response.content.decode()


def test_entry_row_with_a_stale_version_is_refused_in_the_row_and_writes_nothing(
    sales_client, order, part, clerk
):
    stale = order.version
    services.salesorder_line_add(order=order, part=PartFactory(), quantity=1, user=clerk)
    response = sales_client.post(
        add_url(order), {"version": stale, "part": part.pk, "quantity": "2"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#line-entry" and response["HX-Reselect"] == "#line-entry"
    assert "was changed by Clara Clerk at" in html and 'id="line-entry"' in html
    assert not SalesOrderLine.objects.filter(order=order, part=part).exists()


def test_entry_row_errors_come_back_in_the_row_with_what_was_typed(sales_client, order, part):
    response = sales_client.post(
        add_url(order), {"version": order.version, "part_q": "BOLT-1", "quantity": ""}, **HTMX
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#line-entry"
    assert "<html" not in html and "This field is required." in html
    assert 'value="BOLT-1"' in html  # the part stays as typed
    assert not SalesOrderLine.objects.filter(order=order).exists()


def test_entry_row_of_a_part_already_on_the_order_offers_to_edit_that_line(
    sales_client, order, part, clerk
):
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    order.refresh_from_db()
    response = sales_client.post(
        add_url(order), {"version": order.version, "part": part.pk, "quantity": "2"}, **HTMX
    )
    html = response.content.decode()
    assert "is already on this order" in html
    assert reverse("salesorders:line-update", args=[order.pk, line.pk]) in html
    assert SalesOrderLine.objects.filter(order=order).count() == 1


def test_entry_row_without_javascript_falls_back_to_the_add_line_page(sales_client, order):
    """No htmx: a refused row is the Add Line Item page with the errors."""
    response = sales_client.post(
        add_url(order), {"version": order.version, "part_q": "NOPE", "quantity": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Add Line Item" in html
    assert "Nothing matches “NOPE”" in html


def test_preview_shows_this_customers_price_for_the_quantity_and_free_stock(
    sales_client, order, part, customer
):
    own = PriceListFactory(currency="EUR", name="Acme contract", customer=customer)
    PriceListPriceFactory(price_list=own, part=part, unit_price=Decimal("2.1000"))
    PriceListPriceFactory(
        price_list=own, part=part, min_quantity=Decimal("50"), unit_price=Decimal("1.9000")
    )
    StockItemFactory(part=part, quantity=Decimal("60"))
    small = sales_client.get(preview_url(order), {"part": part.pk, "quantity": "10"})
    text = small.content.decode()
    assert "2.10 EUR" in text and "Price list Acme contract" in text and "60 pcs free" in text
    big = sales_client.get(preview_url(order), {"part": part.pk, "quantity": "70"}).content
    assert "1.90 EUR" in big.decode() and "min qty 50" in big.decode()
    assert "Not enough free stock: 10 pcs would wait for stock." in big.decode()


def test_preview_resolves_the_typed_part_and_says_nothing_of_stock_for_a_service(
    sales_client, order
):
    ServicePartFactory(sku="FIT-1")
    text = sales_client.get(
        preview_url(order), {"part_q": "FIT-1", "part_label": "", "quantity": "2"}
    ).content.decode()
    assert "FIT-1" in text and "68.00 EUR" in text and "free" not in text


def test_preview_of_nothing_chosen_is_empty(sales_client, order):
    response = sales_client.get(preview_url(order), {"part_q": "", "quantity": "x"})
    assert response.status_code == 200 and "line-preview" not in response.content.decode()


def test_preview_needs_the_right_to_change_orders(warehouse_client, order, part):
    assert warehouse_client.get(preview_url(order), {"part": part.pk}).status_code == 403


def test_preview_costs_the_same_queries_whatever_the_price_lists_and_stock(
    sales_client, order, part, customer, django_assert_max_num_queries
):
    """Session, user, order, part with its free stock, price lists, price breaks."""
    with django_assert_max_num_queries(7) as few:
        sales_client.get(preview_url(order), {"part": part.pk, "quantity": "3"})
    own = PriceListFactory(currency="EUR", customer=customer)
    for minimum in (1, 10, 100):
        PriceListPriceFactory(price_list=own, part=part, min_quantity=minimum)
        StockItemFactory(part=part)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = sales_client.get(preview_url(order), {"part_q": "BOLT-1", "quantity": "30"})
    assert "Price list" in response.content.decode()


# --- inline edit -------------------------------------------------------------------------------


def edit_url(order, line):
    return reverse("salesorders:line-update", args=[order.pk, line.pk])


def test_edit_link_loads_the_edit_row_and_cancel_loads_the_line_row(
    sales_client, order, part, clerk
):
    line = services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    html = sales_client.get(order.get_absolute_url()).content.decode()
    assert f'hx-target="#line-{line.pk}" hx-select="#line-edit-{line.pk}"' in html
    editing = sales_client.get(order.get_absolute_url(), {"edit": line.pk}, **HTMX)
    text = editing.content.decode()
    assert f'id="line-edit-{line.pk}"' in text and f'hx-post="{edit_url(order, line)}"' in text
    assert f'hx-target="#line-edit-{line.pk}" hx-select="#line-{line.pk}"' in text  # Cancel


def test_inline_edit_saves_and_answers_the_order_page(sales_client, order, part, clerk):
    line = services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    order.refresh_from_db()
    response = sales_client.post(
        edit_url(order, line),
        {"version": order.version, "quantity": "7", "unit_price": "2.5", "discount_percent": "0"},
        follow=True,
        **HTMX,
    )
    line.refresh_from_db()
    assert line.quantity == 7
    assert "Line BOLT-1 saved." in response.content.decode()


def test_inline_edit_with_a_stale_version_is_refused_in_its_row_and_writes_nothing(
    sales_client, order, part, clerk
):
    line = services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    order.refresh_from_db()
    stale = order.version
    services.salesorder_line_add(order=order, part=PartFactory(), quantity=1, user=clerk)
    response = sales_client.post(
        edit_url(order, line),
        {"version": stale, "quantity": "9", "unit_price": "", "discount_percent": "0"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#line-edit-{line.pk}"
    assert "was changed by Clara Clerk at" in html and "<html" not in html
    line.refresh_from_db()
    assert line.quantity == 2


def test_entry_row_costs_the_same_queries_on_an_order_of_3_lines_or_60(
    sales_client, order, clerk, django_assert_max_num_queries
):
    """Adding through the row (the redirect htmx follows not counted) and a refused row do not
    grow with the order's lines."""

    def add(sku):
        data = {"version": order.version, "part_q": sku, "quantity": "2"}
        return sales_client.post(add_url(order), data, **HTMX)

    for _ in range(3):
        services.salesorder_line_add(order=order, part=PartFactory(), quantity=1, user=clerk)
    PartFactory(sku="SMALL-1")
    PartFactory(sku="BIG-1")
    order.refresh_from_db()
    with django_assert_max_num_queries(40) as small:
        assert add("SMALL-1").status_code == 302
    with django_assert_max_num_queries(12) as refused:
        sales_client.post(add_url(order), {"version": 0, "part_q": "NONE", "quantity": "1"}, **HTMX)
    for _ in range(57):
        services.salesorder_line_add(order=order, part=PartFactory(), quantity=1, user=clerk)
    order.refresh_from_db()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert add("BIG-1").status_code == 302
    with django_assert_max_num_queries(len(refused.captured_queries)):
        response = sales_client.post(
            add_url(order), {"version": 0, "part_q": "NONE", "quantity": "1"}, **HTMX
        )
    assert response["HX-Retarget"] == "#line-entry"
