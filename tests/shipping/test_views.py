"""Shipping pages: the order page's shipment section, Allocate Stock, transitions, lists."""

import html
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from inventory.models import StockItem
from salesorders.models import SalesOrder
from shipping import services
from shipping.models import Allocation, Shipment
from tests.factories import PartFactory, UserFactory
from tests.shipping.helpers import assert_invariants, issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db
D = Decimal


def actor():
    """Who the set-up steps are done by (the order history names a person)."""
    existing = get_user_model().objects.filter(username="setup-clerk").first()
    return existing or UserFactory(username="setup-clerk")


def url(name, *args):
    return reverse(f"shipping:{name}", args=args)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def page_text(response):
    return html.unescape(response.content.decode())


def user_with(*codenames):
    """A user holding exactly these shipping permissions (plus seeing shipments)."""
    user = UserFactory()
    for codename in ("view_shipment", *codenames):
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="shipping", codename=codename)
        )
    return user


@pytest.fixture
def setup():
    order = issued_order()
    line = order_line(order, quantity="10")
    first = stock(line.part, quantity="6", batch_code="B-OLD")
    second = stock(line.part, quantity="8")
    shipment = new_shipment(order)
    return order, line, first, second, shipment


# --- order page section ------------------------------------------------------------------------


def test_order_page_shows_pending_and_completed_shipments_with_buttons(warehouse_client, setup):
    order, line, first, second, shipment = setup
    services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=4, user=actor()
    )
    shipped = new_shipment(order)
    services.allocation_create(
        line=line, stock_item=second, shipment=shipped, quantity=2, user=actor()
    )
    services.shipment_complete(shipment=shipped, user=actor(), tracking_number="TRK-42")
    page = warehouse_client.get(order.get_absolute_url()).content.decode()
    for words in (
        "Pending Shipments",
        "Completed Shipments",
        "New Shipment",
        "Allocate Stock",
        "Auto Allocate",
        "Complete Shipment",
        "Delete Shipment",
        "TRK-42",
        "batch B-OLD",
    ):
        assert words in page, words


def test_sales_sees_shipments_but_no_shipping_buttons(sales_client, setup):
    order, line, first, _, shipment = setup
    services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=4, user=actor()
    )
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "Pending Shipments" in page and "batch B-OLD" in page
    for words in ("New Shipment", "Allocate Stock", "Auto Allocate", "Complete Shipment"):
        assert words not in page, words


def test_no_allocation_buttons_while_the_order_is_on_hold(warehouse_client, setup):
    order, *_ = setup
    SalesOrder.objects.filter(pk=order.pk).update(status=SalesOrder.Status.ON_HOLD)
    page = warehouse_client.get(order.get_absolute_url()).content.decode()
    assert "Allocate Stock" not in page and "New Shipment" not in page


def test_order_page_queries_do_not_grow_with_shipments_and_allocations(
    warehouse_client, django_assert_max_num_queries
):
    """One shipment with one allocation, or 6 shipments with 10 allocations each: same cost."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = issued_order()
    line = order_line(small, quantity="5")
    services.allocation_create(
        line=line,
        stock_item=stock(line.part),
        shipment=new_shipment(small),
        quantity=1,
        user=actor(),
    )
    with CaptureQueriesContext(connection) as baseline:
        assert warehouse_client.get(small.get_absolute_url()).status_code == 200

    big = issued_order()
    lines = [order_line(big, quantity="100") for _ in range(10)]
    for number in range(6):
        shipment = new_shipment(big)
        for each in lines:
            services.allocation_create(
                line=each, stock_item=stock(each.part), shipment=shipment, quantity=1, user=actor()
            )
        if number < 3:
            services.shipment_complete(shipment=shipment, user=actor())
    with django_assert_max_num_queries(len(baseline)):
        assert warehouse_client.get(big.get_absolute_url()).status_code == 200


def test_order_page_lists_25_items_of_a_large_shipment_and_links_to_the_rest(warehouse_client):
    order = issued_order()
    shipment = new_shipment(order)
    for _ in range(30):
        line = order_line(order, quantity="5")
        services.allocation_create(
            line=line, stock_item=stock(line.part), shipment=shipment, quantity=2, user=actor()
        )
    html = warehouse_client.get(order.get_absolute_url()).content.decode()
    card = html.split(f'data-testid="shipment-{shipment.reference}"', 1)[1].split("</table>")[0]
    assert card.count("<tr>") == 1 + 25 + 1  # the header row, 25 items, the "Showing" row
    assert "Showing 25 of 30 items" in card
    assert f'href="{shipment.get_absolute_url()}">all of them' in card
    detail = warehouse_client.get(shipment.get_absolute_url()).content.decode()
    assert all(line.part_sku in detail for line in order.lines.all())


# --- transitions -------------------------------------------------------------------------------


def test_new_shipment_button_creates_numbered_shipments(warehouse_client):
    order = issued_order()
    response = warehouse_client.post(url("shipment-create", order.pk), follow=True)
    assert response.redirect_chain[-1][0].startswith(order.get_absolute_url())
    assert "Shipment 1 created." in messages_of(response)
    warehouse_client.post(url("shipment-create", order.pk))
    assert list(order.shipments.values_list("reference", flat=True)) == ["1", "2"]


def test_sales_may_not_create_shipments_or_allocate(sales_client, setup):
    order, line, first, _, shipment = setup
    assert sales_client.post(url("shipment-create", order.pk)).status_code == 403
    assert sales_client.get(url("shipment-allocate", order.pk, shipment.pk)).status_code == 403
    response = sales_client.post(url("shipment-auto-allocate", order.pk, shipment.pk))
    assert response.status_code == 403
    assert not Allocation.objects.exists() and order.shipments.count() == 1


def test_transitions_are_post_only(warehouse_client, setup):
    order, _, _, _, shipment = setup
    assert warehouse_client.get(url("shipment-create", order.pk)).status_code == 405
    assert warehouse_client.get(url("shipment-complete", order.pk, shipment.pk)).status_code == 405


def test_complete_shipment_form_ships_with_tracking_and_a_second_click_says_already(
    warehouse_client, setup
):
    order, line, first, _, shipment = setup
    services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=5, user=actor()
    )
    data = {"carrier": "DHL", "tracking_number": "JD014600"}
    response = warehouse_client.post(
        url("shipment-complete", order.pk, shipment.pk), data, follow=True
    )
    assert "Shipment 1 shipped (tracking JD014600)." in messages_of(response)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED and shipment.carrier == "DHL"
    again = warehouse_client.post(
        url("shipment-complete", order.pk, shipment.pk), data, follow=True
    )
    assert any("already shipped" in m for m in messages_of(again))
    first.refresh_from_db()
    assert first.quantity == 1
    assert_invariants()


def test_auto_allocate_button_reports_what_it_could_not_cover(warehouse_client, setup):
    order, line, first, second, shipment = setup
    order_line(order, quantity="3")  # a part with no stock at all
    response = warehouse_client.post(
        url("shipment-auto-allocate", order.pk, shipment.pk), follow=True
    )
    (message,) = messages_of(response)
    assert "allocated 10" in message and "Not enough stock" in message
    line.refresh_from_db()
    assert line.allocated_quantity == 10


@pytest.mark.parametrize(
    ("field", "label", "limit"), [("reference", "Reference", 30), ("carrier", "Carrier", 100)]
)
def test_new_shipment_refuses_a_too_long_reference_or_carrier_and_writes_nothing(
    warehouse_client, field, label, limit
):
    order = issued_order()
    response = warehouse_client.post(
        url("shipment-create", order.pk), {field: "x" * (limit + 1)}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(order.get_absolute_url())
    assert messages_of(response) == [
        f"{label}: Ensure this value has at most {limit} characters (it has {limit + 1})."
    ]
    assert not order.shipments.exists()


def test_new_shipment_takes_a_reference_and_carrier_from_the_form(warehouse_client):
    order = issued_order()
    data = {"reference": " A-1 ", "carrier": "UPS"}
    warehouse_client.post(url("shipment-create", order.pk), data)
    shipment = order.shipments.get()
    assert (shipment.reference, shipment.carrier) == ("A-1", "UPS")


def test_mark_delivered_refuses_a_date_that_is_not_a_date_and_writes_nothing(
    warehouse_client, setup
):
    order, line, first, _, shipment = setup
    services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=2, user=actor()
    )
    services.shipment_complete(shipment=shipment, user=actor())
    response = warehouse_client.post(
        url("shipment-deliver", order.pk, shipment.pk), {"delivery_date": "31/02/2025"}, follow=True
    )
    assert response.redirect_chain[-1][0] == shipment.get_absolute_url()
    assert messages_of(response) == [
        "Enter the delivery date as a date (YYYY-MM-DD), or leave it blank for today."
    ]
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED and shipment.delivery_date is None
    shipped_on = shipment.shipped_date.isoformat()
    warehouse_client.post(
        url("shipment-deliver", order.pk, shipment.pk), {"delivery_date": shipped_on}
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED


def test_auto_allocate_one_line_from_the_shipment_page(warehouse_client, setup):
    """The shipment page offers Auto Allocate per open line; it fills only that line."""
    order, line, first, second, shipment = setup
    other_line = order_line(order, quantity="3")
    stock(other_line.part, quantity="5")
    page = page_text(warehouse_client.get(shipment.get_absolute_url()))
    assert f'name="line" value="{line.pk}"' in page
    assert f'name="line" value="{other_line.pk}"' in page
    response = warehouse_client.post(
        url("shipment-auto-allocate", order.pk, shipment.pk), {"line": other_line.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == shipment.get_absolute_url()
    assert any("allocated 3" in m and "1 line(s)" in m for m in messages_of(response))
    line.refresh_from_db()
    other_line.refresh_from_db()
    assert other_line.allocated_quantity == 3 and line.allocated_quantity == 0
    page = page_text(response)
    assert f'name="line" value="{other_line.pk}"' not in page  # nothing left to allocate
    assert_invariants()


@pytest.mark.parametrize("value", ["foreign", "999999", "abc", "²"])
def test_auto_allocate_a_line_of_another_order_or_no_line_is_404_and_writes_nothing(
    warehouse_client, setup, value
):
    order, line, first, _, shipment = setup
    if value == "foreign":
        other = issued_order()
        value = order_line(other, first.part, "2").pk
    response = warehouse_client.post(
        url("shipment-auto-allocate", order.pk, shipment.pk), {"line": value}
    )
    assert response.status_code == 404
    assert not Allocation.objects.exists()


def test_remove_allocation_and_delete_shipment_buttons(warehouse_client, setup):
    order, line, first, _, shipment = setup
    allocation = services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=3, user=actor()
    )
    page = warehouse_client.get(order.get_absolute_url()).content.decode()
    remove = url("allocation-delete", order.pk, shipment.pk, allocation.pk)
    assert f'<form method="post" action="{remove}">' in page  # the Remove button's form
    response = warehouse_client.post(remove, follow=True)
    assert any("Released 3" in m for m in messages_of(response))
    warehouse_client.post(url("shipment-delete", order.pk, shipment.pk))
    assert not Shipment.objects.exists()
    assert_invariants()


# --- hand-crafted POSTs ------------------------------------------------------------------------


def test_posts_naming_another_orders_shipment_or_allocation_are_404_and_write_nothing(
    warehouse_client, setup
):
    order, line, first, _, shipment = setup
    other = issued_order()
    other_shipment = new_shipment(other)
    other_line = order_line(other, first.part, "5")
    foreign = services.allocation_create(
        line=other_line, stock_item=first, shipment=other_shipment, quantity=1, user=actor()
    )
    for name in ("shipment-complete", "shipment-auto-allocate", "shipment-delete"):
        assert warehouse_client.post(url(name, order.pk, other_shipment.pk)).status_code == 404
    assert (
        warehouse_client.post(
            url("allocation-delete", order.pk, shipment.pk, foreign.pk)
        ).status_code
        == 404
    )
    response = warehouse_client.post(
        url("shipment-allocate", order.pk, shipment.pk),
        {"line": other_line.pk, "stock_item": first.pk, "quantity": "1", "shipment": shipment.pk},
    )
    assert response.status_code == 404
    assert Allocation.objects.count() == 1 and Shipment.objects.count() == 2


def test_allocate_form_refuses_another_orders_shipment_and_another_parts_item(
    warehouse_client, setup
):
    """A crafted choice (not offered on the page) reads the service's sentence, not "Select a
    valid choice", and nothing is written."""
    order, line, first, _, shipment = setup
    other_shipment = new_shipment(issued_order())
    wrong_item = stock(PartFactory(), quantity="5")
    for changed, sentence in (
        (
            {"shipment": other_shipment.pk},
            f"Shipment {other_shipment.reference} does not belong to {order.reference}",
        ),
        (
            {"stock_item": wrong_item.pk},
            f"is stock of {wrong_item.part.sku}, not of line {line.part_sku}",
        ),
        ({"stock_item": 999_999}, "That stock item no longer exists."),
        ({"shipment": 999_999}, "That shipment no longer exists."),
    ):
        data = {"line": line.pk, "stock_item": first.pk, "quantity": "1", "shipment": shipment.pk}
        response = warehouse_client.post(
            url("shipment-allocate", order.pk, shipment.pk), {**data, **changed}
        )
        assert response.status_code == 200
        assert sentence in page_text(response), changed
        assert "Select a valid choice" not in page_text(response)
    assert not Allocation.objects.exists()


@pytest.mark.parametrize("quantity", ["6", ""], ids=["quantity-given", "quantity-blank"])
def test_allocate_stock_loser_of_the_last_units_reads_which_line_item_and_quantities(
    warehouse_client, setup, quantity
):
    """Someone else took the item's last units after the page opened: the refusal is the
    service's sentence, not "Select a valid choice", and nothing is written."""
    order, line, first, _, shipment = setup
    rival = issued_order()
    services.allocation_create(
        line=order_line(rival, first.part, "6"),
        stock_item=first,
        shipment=new_shipment(rival),
        quantity=6,
        user=actor(),
    )
    response = warehouse_client.post(
        url("shipment-allocate", order.pk, shipment.pk),
        {"line": line.pk, "stock_item": first.pk, "quantity": quantity, "shipment": shipment.pk},
    )
    assert response.status_code == 200
    wanted = "6" if quantity else "10"  # blank: the whole remainder, which cannot be had
    sentence = (
        f"Cannot allocate {wanted} to line {line.part_sku} ({line.part_name}) of "
        f"{order.reference} from stock item #{first.pk}"
    )
    assert sentence in page_text(response)
    assert "only 0 available (6 on hand, 6 allocated to pending shipments)" in page_text(response)
    assert "Select a valid choice" not in page_text(response)
    line.refresh_from_db()
    assert line.allocated_quantity == 0 and not shipment.allocations.exists()
    assert_invariants()


def test_allocate_stock_into_a_shipment_completed_meanwhile_says_it_has_shipped(
    warehouse_client, setup
):
    order, line, first, second, shipment = setup
    services.allocation_create(
        line=line, stock_item=second, shipment=shipment, quantity=2, user=actor()
    )
    services.shipment_complete(shipment=shipment, user=actor())
    response = warehouse_client.post(
        url("shipment-allocate", order.pk, shipment.pk),
        {"line": line.pk, "stock_item": first.pk, "quantity": "3", "shipment": shipment.pk},
    )
    assert response.status_code == 200
    assert (
        f"Shipment {shipment.reference} of {order.reference} is Shipped: stock can be allocated "
        "only on a pending shipment." in page_text(response)
    )
    assert "Select a valid choice" not in page_text(response)
    assert Allocation.objects.count() == 1
    assert_invariants()


# --- Allocate Stock ----------------------------------------------------------------------------


def test_allocate_stock_opens_on_the_first_line_needing_stock_with_the_oldest_item_chosen(
    warehouse_client, setup
):
    """One step: the suggested item (oldest first) and quantity (what the line still needs,
    at most what the item has) are chosen, so one submit allocates."""
    order, line, first, second, shipment = setup
    covered = order_line(order, quantity="2")  # another line, already covered
    covered.sort_order = 0  # and first on the order
    covered.save(update_fields=["sort_order"])
    services.allocation_create(
        line=covered,
        stock_item=stock(covered.part, quantity="2"),
        shipment=shipment,
        quantity=2,
        user=actor(),
    )
    page = warehouse_client.get(url("shipment-allocate", order.pk, shipment.pk))
    form = page.context["form"]
    assert form is not None and form.line == line
    assert form["stock_item"].value() == first.pk and form["quantity"].value() == 6
    html = page.content.decode()
    assert 'class="form-select"' in html and f'<option value="{first.pk}" selected>' in html
    response = warehouse_client.post(
        url("shipment-allocate", order.pk, shipment.pk),
        {
            "line": form["line"].value(),
            "stock_item": form["stock_item"].value(),
            "quantity": form["quantity"].value(),
            "shipment": form["shipment"].value(),
        },
        follow=True,
    )
    assert any("Allocated 6 pcs" in m for m in messages_of(response))
    line.refresh_from_db()
    assert line.allocated_quantity == 6


def test_allocate_stock_of_another_line_or_item_is_asked_for_and_refilled(warehouse_client, setup):
    """What the line select and the item select ask for (htmx, or Choose Line without it)."""
    order, line, first, second, shipment = setup
    other = order_line(order, quantity="3")
    stock(other.part, quantity="5")
    page = warehouse_client.get(url("shipment-allocate", order.pk, shipment.pk), {"line": other.pk})
    assert page.context["form"].line == other and page.context["form"]["quantity"].value() == 3
    page = warehouse_client.get(
        url("shipment-allocate", order.pk, shipment.pk),
        {"line": line.pk, "stock_item": second.pk},
    )
    assert page.context["form"]["quantity"].value() == 8


def test_allocate_stock_without_javascript_choosing_the_line_first(warehouse_client, setup):
    order, line, first, second, shipment = setup
    order_line(order)
    page = warehouse_client.get(url("shipment-allocate", order.pk, shipment.pk))
    assert "Choose Line" in page.content.decode()
    page = warehouse_client.get(url("shipment-allocate", order.pk, shipment.pk), {"line": line.pk})
    html = page.content.decode()
    assert f"#{first.pk}" in html and "batch B-OLD" in html and "6 available" in html
    response = warehouse_client.post(
        url("shipment-allocate", order.pk, shipment.pk),
        {"line": line.pk, "stock_item": first.pk, "quantity": "", "shipment": shipment.pk},
        follow=True,
    )
    assert any("Allocated 6 pcs" in m for m in messages_of(response))  # min(10 needed, 6 there)
    response = warehouse_client.post(
        url("shipment-allocate", order.pk, shipment.pk),
        {"line": line.pk, "stock_item": second.pk, "quantity": "9", "shipment": shipment.pk},
    )
    assert response.status_code == 200
    assert "only 4 more" in response.content.decode()
    line.refresh_from_db()
    assert line.allocated_quantity == 6


def test_allocate_stock_prefills_the_smaller_of_remainder_and_availability(warehouse_client, setup):
    order, line, first, _, shipment = setup
    page = warehouse_client.get(
        url("shipment-allocate", order.pk, shipment.pk), {"line": line.pk, "stock_item": first.pk}
    )
    assert page.context["form"]["quantity"].value() == 6


def test_allocate_stock_ignores_a_stock_item_that_is_not_a_number(warehouse_client, setup):
    order, line, _, _, shipment = setup
    page = warehouse_client.get(
        url("shipment-allocate", order.pk, shipment.pk), {"line": line.pk, "stock_item": "²"}
    )
    assert page.status_code == 200
    assert page.context["form"]["stock_item"].value() is None


def test_allocate_stock_lists_only_available_ok_stock(warehouse_client, setup):
    order, line, first, _, shipment = setup
    damaged = stock(line.part, status=StockItem.Status.DAMAGED)
    page = warehouse_client.get(url("shipment-allocate", order.pk, shipment.pk), {"line": line.pk})
    items = list(page.context["form"].fields["stock_item"].queryset)
    assert first in items and damaged not in items


# --- lists -------------------------------------------------------------------------------------


def test_backorders_lists_remainders_filters_and_exports(sales_client):
    part = PartFactory(sku="BO-1")
    stock(part, quantity="3")
    big, small = issued_order(), issued_order(status=SalesOrder.Status.ON_HOLD)
    order_line(big, part, "5")
    order_line(small, part, "2")
    order_line(issued_order(status=SalesOrder.Status.PENDING), part, "9")
    page = sales_client.get(url("backorders"))
    rows = list(page.context["table"].rows)
    assert len(rows) == 2
    fillable = sales_client.get(url("backorders"), {"fillable": "true"})
    assert [r.record.order_id for r in fillable.context["table"].rows] == [small.pk]
    export = sales_client.get(url("backorders"), {"_export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    text = b"".join(export.streaming_content).decode()
    assert "Remaining" in text and big.reference in text


def test_backorders_auto_allocate_button(warehouse_client):
    part = PartFactory()
    stock(part, quantity="4")
    first, second = issued_order(priority=1), issued_order(priority=9)
    order_line(first, part, "3")
    order_line(second, part, "3")
    response = warehouse_client.post(url("backorders-auto-allocate"), follow=True)
    assert any("Allocated 4 pcs to 2 order(s)" in m for m in messages_of(response))
    assert second.lines.get().allocated_quantity == 3
    assert first.lines.get().allocated_quantity == 1


def test_backorders_auto_allocate_with_a_bad_filter_writes_nothing_and_says_why(
    warehouse_client,
):
    """A target date that is not a date used to fall back to every backorder line."""
    part = PartFactory()
    stock(part, quantity="4")
    order = issued_order()
    order_line(order, part, "3")
    response = warehouse_client.post(
        url("backorders-auto-allocate"), {"target_after": "not-a-date"}, follow=True
    )
    assert response.redirect_chain[0][0] == url("backorders") + "?target_after=not-a-date"
    shown = messages_of(response)
    assert "Nothing was allocated: fix the filter first." in shown
    assert any("Target from: Enter a valid date." in message for message in shown)
    assert response.status_code == 400
    assert not Allocation.objects.exists() and not Shipment.objects.exists()


def test_backorders_auto_allocate_needs_add_shipment_as_well(client):
    """It opens shipments: allocating alone is not enough, and the button is not offered."""
    part = PartFactory()
    stock(part, quantity="4")
    order_line(issued_order(), part, "3")
    client.force_login(user_with("add_allocation"))
    assert "Auto Allocate" not in client.get(url("backorders")).content.decode()
    assert client.post(url("backorders-auto-allocate")).status_code == 403
    assert not Allocation.objects.exists() and not Shipment.objects.exists()
    client.force_login(user_with("add_allocation", "add_shipment"))
    assert "Auto Allocate" in client.get(url("backorders")).content.decode()
    client.post(url("backorders-auto-allocate"))
    assert Allocation.objects.count() == 1


def test_backorders_fillable_filter_reads_yes_no_in_any_case_and_refuses_the_rest(sales_client):
    part = PartFactory()
    stock(part, quantity="3")
    fits, short = issued_order(), issued_order()
    order_line(fits, part, "2")
    order_line(short, part, "5")

    def shown(value):
        page = sales_client.get(url("backorders"), {"fillable": value})
        assert page.status_code == 200, value
        return {r.record.order_id for r in page.context["table"].rows}

    for value in ("true", "TRUE", "1", "yes", "Yes"):
        assert shown(value) == {fits.pk}, value
    for value in ("false", "False", "0", "no", "NO"):
        assert shown(value) == {short.pk}, value
    assert shown("") == {fits.pk, short.pk}
    for params in ({"fillable": "maybe"}, {"fillable": "2", "_export": "csv"}):
        response = sales_client.get(url("backorders"), params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert messages_of(response) == [
            "Check the filter. Can be filled now: Enter yes or no (true/false, 1/0), or leave it "
            "blank."
        ]


def test_backorders_filter_by_part_sku_or_name_and_customer_code(sales_client):
    bolt, nut = PartFactory(sku="BOLT-1", name="Hex bolt"), PartFactory(sku="NUT-1", name="Nut")
    first, second = issued_order(), issued_order()
    order_line(first, bolt, "2")
    order_line(second, nut, "2")

    def shown(**params):
        page = sales_client.get(url("backorders"), params)
        return {(r.record.order_id, r.record.part_id) for r in page.context["table"].rows}

    assert shown(part="bolt-1") == {(first.pk, bolt.pk)}
    assert shown(part="hex") == {(first.pk, bolt.pk)}
    assert shown(customer=second.customer.code) == {(second.pk, nut.pk)}
    assert shown(part="no such part") == set()


def test_backorders_auto_allocate_only_the_filtered_part(warehouse_client):
    bolt, nut = PartFactory(sku="BOLT-1"), PartFactory(sku="NUT-1")
    stock(bolt, quantity="5")
    stock(nut, quantity="5")
    order = issued_order()
    order_line(order, bolt, "2")
    order_line(order, nut, "2")
    response = warehouse_client.post(
        url("backorders-auto-allocate"), {"part": "BOLT-1"}, follow=True
    )
    assert any("Allocated 2 pcs to 1 order(s)" in m for m in messages_of(response))
    assert order.lines.get(part=bolt).allocated_quantity == 2
    assert order.lines.get(part=nut).allocated_quantity == 0
    assert_invariants()


def test_shipment_list_filters_detail_and_packing_slip(sales_client, setup):
    order, line, first, _, shipment = setup
    services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=2, user=actor()
    )
    services.shipment_complete(shipment=shipment, user=actor(), carrier="UPS", tracking_number="1Z")
    new_shipment(order)
    listing = sales_client.get(url("shipment-list"), {"status": "shipped", "carrier": "up"})
    assert [r.record.pk for r in listing.context["table"].rows] == [shipment.pk]
    detail = sales_client.get(shipment.get_absolute_url()).content.decode()
    assert "1Z" in detail and line.part_sku in detail
    slip = sales_client.get(url("shipment-packing-slip", shipment.pk)).content.decode()
    assert (
        "Packing Slip" in slip and order.ship_to.splitlines()[0] in slip and "batch B-OLD" in slip
    )


def test_order_shipments_tag_renders_the_panel_with_its_buttons(
    rf, warehouse_user, setup, django_assert_max_num_queries
):
    """`{% order_shipments order %}` is the order page's shipments panel: the same partial,
    the user's buttons, the first allocations; at most two queries."""
    from django.template import RequestContext, Template

    order, line, first, _, shipment = setup
    services.allocation_create(
        line=line, stock_item=first, shipment=shipment, quantity=4, user=actor()
    )
    request = rf.get(order.get_absolute_url())
    request.user = warehouse_user
    template = Template("{% load shipping_tags %}{% order_shipments order %}")
    order = SalesOrder.objects.prefetch_related("shipments").get(pk=order.pk)
    context = RequestContext(request, {"order": order})
    warehouse_user.has_perm("shipping.add_shipment")  # load the permission cache first
    with django_assert_max_num_queries(2):
        html = template.render(context)
    for words in ("Pending Shipments", "New Shipment", "Complete Shipment", "batch B-OLD"):
        assert words in html, words
    assert url("shipment-complete", order.pk, shipment.pk) in html
    assert 'name="csrfmiddlewaretoken"' in html
