"""Cancel Order and Cancel Remaining: shipping releases the reserved stock and deletes the
pending shipments, then salesorders changes the order; the pages, the admin and the version."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.models import StockItem
from salesorders.exceptions import LineError, OrderStateError, StaleOrderError
from salesorders.models import SalesOrder, SalesOrderEvent, SalesOrderLine
from salesorders.selectors import order_url_at
from shipping import services
from shipping.models import Allocation, Shipment
from tests.factories import UserFactory
from tests.shipping.helpers import assert_invariants, issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db
D = Decimal
S = SalesOrder.Status
Kind = SalesOrderEvent.Kind


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


@pytest.fixture
def reserved(clerk):
    """An issued order with two lines; shipment 1 holds 4 of the first and 2 of the second,
    shipment 2 holds 3 more of the first from another item."""
    order = issued_order()
    first, second = order_line(order, quantity="10"), order_line(order, quantity="5")
    item_a, item_b, item_c = stock(first.part, "20"), stock(second.part, "20"), stock(first.part)
    one, two = new_shipment(order), new_shipment(order)
    for line, item, shipment, quantity in (
        (first, item_a, one, 4),
        (second, item_b, one, 2),
        (first, item_c, two, 3),
    ):
        services.allocation_create(
            line=line, stock_item=item, shipment=shipment, quantity=D(quantity), user=clerk
        )
    order.refresh_from_db()
    return order, (first, second), (item_a, item_b, item_c), (one, two)


def allocated(*rows):
    for row in rows:
        row.refresh_from_db()
    return [row.allocated_quantity for row in rows]


# --- Cancel Order --------------------------------------------------------------------------


def test_cancel_order_releases_the_stock_and_deletes_the_pending_shipments(reserved, clerk):
    order, lines, items, (one, two) = reserved
    services.salesorder_cancel(order=order, user=clerk, reason="Customer withdrew")
    order.refresh_from_db()
    assert order.status == S.CANCELLED and order.cancelled_by == clerk
    assert allocated(*items) == [0, 0, 0] and allocated(*lines) == [0, 0]
    assert [item.quantity for item in items] == [20, 20, 100]  # nothing left the shelves
    assert not Shipment.objects.exists() and not Allocation.objects.exists()
    deleted = order.events.filter(kind=Kind.SHIPMENT_DELETED).values_list("message", flat=True)
    assert list(deleted) == [
        f"Pending shipments {one.reference}, {two.reference} deleted with the order; "
        "the stock reserved in them was released."
    ]
    assert order.events.get(kind=Kind.CANCELLED).message == (
        "Order cancelled; released 9 pcs reserved: Customer withdrew"
    )
    assert_invariants()


def test_cancel_order_keeps_shipped_history_apart_and_is_refused_once_something_shipped(
    reserved, clerk
):
    """The transition is checked before anything is released: a refusal writes nothing."""
    order, lines, items, (one, two) = reserved
    services.shipment_complete(shipment=two, user=clerk)
    with pytest.raises(OrderStateError, match="Cancel Remaining"):
        services.salesorder_cancel(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == S.ISSUED
    assert allocated(*items) == [4, 2, 0] and allocated(*lines) == [4, 2]
    assert Shipment.objects.filter(pk=one.pk).exists()
    assert_invariants()


def test_cancel_order_refuses_a_stale_version_and_writes_nothing(reserved, clerk):
    order, lines, items, _ = reserved
    with pytest.raises(StaleOrderError, match="reload the page"):
        services.salesorder_cancel(order=order, user=clerk, expected_version=order.version - 1)
    order.refresh_from_db()
    assert order.status == S.ISSUED and allocated(*items) == [4, 2, 3]
    assert Shipment.objects.count() == 2


def test_cancel_order_without_allocations_deletes_an_empty_pending_shipment(clerk):
    order = issued_order()
    order_line(order)
    new_shipment(order)
    services.salesorder_cancel(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == S.CANCELLED and not Shipment.objects.exists()
    assert order.events.get(kind=Kind.CANCELLED).message == "Order cancelled."


def test_cancel_of_a_pending_order_needs_no_shipping(clerk):
    order = issued_order(status=S.PENDING)
    order_line(order)
    services.salesorder_cancel(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == S.CANCELLED


def test_salesorders_alone_refuses_to_cancel_while_stock_is_allocated(reserved, clerk):
    """salesorders never releases shipping's rows: its own service refuses instead."""
    from salesorders import services as order_services

    order, _, items, _ = reserved
    with pytest.raises(OrderStateError, match="release its allocations first"):
        order_services.salesorder_cancel(order=order, user=clerk)
    assert allocated(*items) == [4, 2, 3]


# --- Cancel Remaining ----------------------------------------------------------------------


def test_cancel_remaining_releases_the_lines_allocations_and_cancels_the_rest(reserved, clerk):
    order, (first, second), (item_a, item_b, item_c), (one, two) = reserved
    line = services.salesorderline_cancel_remaining(line=first, user=clerk)
    assert (line.shipped_quantity, line.cancelled_quantity, line.allocated_quantity) == (0, 10, 0)
    assert allocated(item_a, item_b, item_c) == [0, 2, 0] and allocated(second) == [2]
    # The shipments stay, with the other line's allocation.
    assert list(Allocation.objects.values_list("line", flat=True)) == [second.pk]
    assert Shipment.objects.count() == 2
    event = order.events.get(kind=Kind.REMAINING_CANCELLED)
    assert (
        event.message
        == f"Cancelled the remaining 10 pcs of {first.part_sku} (released 7 pcs reserved)."
    )
    with pytest.raises(LineError, match="Nothing is left"):
        services.salesorderline_cancel_remaining(line=first, user=clerk)
    assert_invariants()


@pytest.mark.parametrize("status", [S.PENDING, S.COMPLETE, S.CANCELLED])
def test_cancel_remaining_is_refused_unless_issued_or_on_hold_and_releases_nothing(
    reserved, clerk, status
):
    order, (first, _), items, _ = reserved
    SalesOrder.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(OrderStateError):
        services.salesorderline_cancel_remaining(line=first, user=clerk)
    assert allocated(*items) == [4, 2, 3] and allocated(first) == [7]


def test_cancel_remaining_refuses_a_stale_version(reserved, clerk):
    order, (first, _), items, _ = reserved
    with pytest.raises(StaleOrderError):
        services.salesorderline_cancel_remaining(
            line=first, user=clerk, expected_version=order.version - 1
        )
    assert allocated(*items) == [4, 2, 3]


# --- pages ---------------------------------------------------------------------------------


def test_cancel_order_page_keeps_its_address_and_releases_the_stock(manager_client, reserved):
    order, lines, items, _ = reserved
    url = reverse("shipping:salesorder-cancel", args=[order.pk])
    assert url == f"/orders/{order.pk}/cancel/"
    response = manager_client.post(url, {"version": order.version, "reason": "Withdrawn"})
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"{order} cancelled."]
    order.refresh_from_db()
    assert order.status == S.CANCELLED and allocated(*items) == [0, 0, 0]


def test_cancel_order_page_says_why_it_refuses(manager_client, reserved, clerk):
    order, _, items, (_, two) = reserved
    services.shipment_complete(shipment=two, user=clerk)
    order.refresh_from_db()
    response = manager_client.post(
        reverse("shipping:salesorder-cancel", args=[order.pk]),
        {"version": order.version},
        follow=True,
    )
    assert "use Cancel Remaining" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.ISSUED and allocated(*items)[:2] == [4, 2]


@pytest.mark.parametrize("data", [{}, {"version": "abc"}, {"version": "-1", "reason": "x"}])
def test_cancel_order_page_needs_a_sound_version(manager_client, reserved, data):
    order, _, items, _ = reserved
    response = manager_client.post(
        reverse("shipping:salesorder-cancel", args=[order.pk]), data, follow=True
    )
    assert "reload the page" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.ISSUED and allocated(*items) == [4, 2, 3]


def test_cancel_order_page_refuses_a_stale_version(manager_client, reserved):
    order, _, items, _ = reserved
    response = manager_client.post(
        reverse("shipping:salesorder-cancel", args=[order.pk]),
        {"version": order.version - 1},
        follow=True,
    )
    assert "since you opened it" in response.content.decode()
    assert allocated(*items) == [4, 2, 3]


def test_only_managers_cancel_and_only_by_post(sales_client, warehouse_client, reserved):
    order, (first, _), items, _ = reserved
    cancel = reverse("shipping:salesorder-cancel", args=[order.pk])
    rest = reverse("shipping:salesorderline-cancel-remaining", args=[order.pk, first.pk])
    for client in (sales_client, warehouse_client):
        assert client.post(cancel, {"version": order.version}).status_code == 403
        assert client.post(rest, {"version": order.version}).status_code == 403
    assert allocated(*items) == [4, 2, 3]


def test_cancel_pages_are_post_only(manager_client, reserved):
    order, (first, _), _, _ = reserved
    cancel = reverse("shipping:salesorder-cancel", args=[order.pk])
    rest = reverse("shipping:salesorderline-cancel-remaining", args=[order.pk, first.pk])
    assert manager_client.get(cancel).status_code == 405
    assert manager_client.get(rest).status_code == 405


def test_cancel_remaining_page_releases_the_line_and_goes_back_to_its_page_of_lines(
    manager_client, reserved
):
    order, (first, second), items, _ = reserved
    url = reverse("shipping:salesorderline-cancel-remaining", args=[order.pk, first.pk])
    assert url == f"/orders/{order.pk}/lines/{first.pk}/cancel-remaining/"
    response = manager_client.post(url, {"version": order.version})
    assert response["Location"] == order_url_at(first)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Cancelled the rest of {first.part_sku}."
    ]
    assert allocated(first) == [0] and allocated(*items) == [0, 2, 0]
    first.refresh_from_db()
    assert first.cancelled_quantity == 10


def test_cancel_remaining_page_of_another_orders_line_is_a_404(manager_client, reserved):
    order, _, _, _ = reserved
    other = order_line(issued_order())
    url = reverse("shipping:salesorderline-cancel-remaining", args=[order.pk, other.pk])
    assert manager_client.post(url, {"version": order.version}).status_code == 404


def test_order_page_cancel_button_posts_to_the_view_that_releases_the_stock(
    manager_client, reserved
):
    """Cancel Order on the order page is shipping's view: posting its form releases the stock."""
    order, _lines, items, _ = reserved
    page = manager_client.get(order.get_absolute_url()).content.decode()
    confirm = reverse("salesorders:confirm", args=[order.pk, "cancel"])
    assert f'href="{confirm}"' in page
    url = reverse("shipping:salesorder-cancel", args=[order.pk])
    assert f'action="{url}"' in manager_client.get(confirm).content.decode()
    manager_client.post(url, {"version": order.version})
    assert allocated(*items) == [0, 0, 0]


# --- admin ---------------------------------------------------------------------------------


def test_admin_cancel_action_releases_the_stock(manager_client, reserved):
    """The order admin's Cancel Order runs through shipping's salesorder_cancel (the subclass
    of the order admin overrides `run_transition`)."""
    order, lines, items, _ = reserved
    changelist = reverse("admin:salesorders_salesorder_changelist")
    choices = manager_client.get(changelist).context["action_form"].fields["action"].choices
    cancel = next(name for name, label in choices if label == "Cancel Order")
    manager_client.post(changelist, {"action": cancel, "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert allocated(*items) == [0, 0, 0] and not Shipment.objects.exists()


# --- the version ---------------------------------------------------------------------------


def test_an_edit_form_opened_before_an_allocation_is_refused_as_stale_after_it(
    manager_client, clerk
):
    order = issued_order()
    line = order_line(order)
    shipment = new_shipment(order)
    edit = reverse("salesorders:update", args=[order.pk])
    form = manager_client.get(edit).context["form"]
    opened_at = form["version"].value()
    services.allocation_create(
        line=line, stock_item=stock(line.part), shipment=shipment, quantity=D(2), user=clerk
    )
    response = manager_client.post(
        edit,
        {
            "version": opened_at,
            "customer": order.customer_id,
            "order_date": order.order_date.isoformat(),
            "currency": order.currency,
            "priority": 0,
            "description": "Overwritten",
        },
    )
    assert response.status_code == 200
    assert "since you opened it" in response.content.decode()
    order.refresh_from_db()
    assert order.description != "Overwritten"


def _bumps(order, action):
    before = SalesOrder.objects.get(pk=order.pk).version
    action()
    return SalesOrder.objects.get(pk=order.pk).version > before


def test_every_shipping_write_bumps_the_orders_version(clerk):
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part)
    holder = {}
    assert _bumps(order, lambda: holder.update(s=services.shipment_create(order=order, user=clerk)))
    shipment = holder["s"]
    assert _bumps(
        order, lambda: services.shipment_update(shipment=shipment, user=clerk, carrier="DHL")
    )
    assert _bumps(
        order,
        lambda: holder.update(
            a=services.allocation_create(
                line=line, stock_item=item, shipment=shipment, quantity=D(2), user=clerk
            )
        ),
    )
    assert _bumps(order, lambda: services.allocation_delete(allocation=holder["a"], user=clerk))
    assert _bumps(
        order, lambda: services.order_auto_allocate(order=order, shipment=shipment, user=clerk)
    )
    assert _bumps(order, lambda: services.shipment_complete(shipment=shipment, user=clerk))
    assert _bumps(order, lambda: services.shipment_mark_delivered(shipment=shipment, user=clerk))
    empty = services.shipment_create(order=order, user=clerk)
    assert _bumps(order, lambda: services.shipment_delete(shipment=empty, user=clerk))
    SalesOrderLine.objects.filter(pk=line.pk).update(quantity=D(20))
    assert _bumps(order, lambda: services.backorders_auto_allocate(user=clerk))
    assert StockItem.objects.get(pk=item.pk).allocated_quantity == 10


# --- what a cancelled order shows ----------------------------------------------------------


def store_totals(order) -> None:
    """The factory's lines leave the order's totals at zero; store what the services would."""
    lines = order.lines.all()
    subtotal, tax = sum(each.subtotal for each in lines), sum(each.tax_amount for each in lines)
    SalesOrder.objects.filter(pk=order.pk).update(
        subtotal=subtotal, tax_total=tax, total=subtotal + tax
    )


def test_cancel_order_moves_every_lines_remainder_to_cancelled(reserved, clerk):
    order, lines, _, _ = reserved
    services.salesorder_cancel(order=order, user=clerk)
    for line in lines:
        line.refresh_from_db()
    assert [(line.cancelled_quantity, line.remaining_quantity) for line in lines] == [
        (10, 0),
        (5, 0),
    ]
    assert_invariants()


def test_cancelled_order_page_shows_cancelled_quantities_and_what_was_cancelled(
    manager_client, reserved, clerk
):
    """Per line Shipped and Cancelled, no Remaining or Allocated; the totals box keeps the
    ordered total and says it was all cancelled and nothing shipped; the history names the
    pending shipments that went with it."""
    order, (first, _), _, (one, two) = reserved
    store_totals(order)
    services.salesorder_cancel(order=order, user=clerk)
    order.refresh_from_db()
    assert order.total > 0
    text = manager_client.get(order.get_absolute_url()).content.decode()
    row = text.split(f'data-testid="line-{first.part_sku}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="cancelled">10<' in row and 'data-testid="shipped">0<' in row
    assert "Remaining" not in text and 'data-testid="remaining"' not in text
    assert f'data-testid="total">{order.total:,.2f} EUR<' in text
    assert "Ordered total" in text
    assert f'data-testid="cancelled-value">−{order.total:,.2f} EUR<' in text
    assert 'data-testid="shipped-value">0.00 EUR<' in text
    assert (
        f"Pending shipments {one.reference}, {two.reference} deleted with the order; "
        "the stock reserved in them was released."
    ) in text


def test_cancel_remaining_shows_the_cancelled_value_beside_the_ordered_total(manager_client, clerk):
    order = issued_order()
    line = order_line(order, quantity="4")
    other = order_line(order, quantity="1")
    store_totals(order)
    services.salesorderline_cancel_remaining(line=line, user=clerk)
    order.refresh_from_db()
    line.refresh_from_db()
    text = manager_client.get(order.get_absolute_url()).content.decode()
    assert f'data-testid="total">{order.total:,.2f} EUR<' in text
    assert f'data-testid="cancelled-value">−{line.total:,.2f} EUR<' in text
    assert f'data-testid="net-total">{other.total:,.2f} EUR<' in text
    assert 'data-testid="remaining"' in text  # an open order still shows what is left
