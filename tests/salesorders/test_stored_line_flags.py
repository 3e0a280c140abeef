"""The order's stored line flags (something to ship, shipped in full, shipped not invoiced,
partially invoiced) follow its lines through shipping, invoicing, deleting a draft and
cancelling, and the queues that read them (Overdue, Ready to complete, Shipped not invoiced,
Partially invoiced) show the order exactly while its lines say so."""

import datetime
from decimal import Decimal
from itertools import combinations_with_replacement

import pytest
from django.urls import reverse
from django.utils import timezone

from bench import invariants
from invoicing import services as invoicing_services
from salesorders import services as order_services
from salesorders.filters import SHIPPED_NOT_INVOICED
from salesorders.models import InvoicingState, SalesOrder, delivery_state_of, invoicing_state_of
from shipping import services as shipping_services
from tests.factories import SalesOrderFactory, SalesOrderLineFactory, UserFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
D = Decimal

QUEUES = {
    "shipped_in_full": {"ready_to_complete": "true"},
    "shipped_uninvoiced": {"invoicing": SHIPPED_NOT_INVOICED},
    "partially_invoiced": {"invoicing": InvoicingState.PARTIALLY_INVOICED},
}


def flags(order) -> dict:
    stored = SalesOrder.objects.values(*QUEUES).get(pk=order.pk)
    assert SalesOrder.objects.filter(pk=order.pk, something_to_ship=True).exists() == (
        order.lines.open().exists()
    )
    drifted = [name for name in invariants.check() if "what its lines say" in name]
    assert not drifted  # the invariant the benchmarks check holds here too
    return stored


def queues_showing(client, order) -> set[str]:
    shown = set()
    for name, params in QUEUES.items():
        page = client.get(reverse("salesorders:list"), params).content.decode()
        if f">{order.reference}<" in page:
            shown.add(name)
    return shown


def test_the_flags_follow_the_lines_and_the_queues_follow_the_flags(client, manager_user):
    clerk = UserFactory(username="clerk")
    client.force_login(manager_user)
    order = make_order(clerk, [("4", "10.0000"), ("2", "5.0000")])
    first, second = order.lines.order_by("pk")
    assert queues_showing(client, order) == set()

    ship(order, clerk, {first: "4"})  # part shipped, nothing invoiced
    assert flags(order) == {
        "shipped_in_full": False,
        "shipped_uninvoiced": True,
        "partially_invoiced": False,
    }
    assert queues_showing(client, order) == {"shipped_uninvoiced"}

    invoice = invoicing_services.invoice_create_from_order(order=order, user=clerk)
    assert flags(order)["partially_invoiced"] and not flags(order)["shipped_uninvoiced"]
    assert queues_showing(client, order) == {"partially_invoiced"}

    ship(order, clerk, {second: "2"})  # everything shipped: ready, and more to invoice
    assert flags(order) == {
        "shipped_in_full": True,
        "shipped_uninvoiced": True,
        "partially_invoiced": True,
    }
    assert queues_showing(client, order) == set(QUEUES)

    invoicing_services.invoice_create_from_order(order=order, user=clerk)
    assert flags(order) == {
        "shipped_in_full": True,
        "shipped_uninvoiced": False,
        "partially_invoiced": False,
    }
    assert queues_showing(client, order) == {"shipped_in_full"}

    invoicing_services.invoice_delete(invoice=invoice, user=clerk)  # the first draft goes
    assert flags(order)["shipped_uninvoiced"] and flags(order)["partially_invoiced"]
    assert queues_showing(client, order) == set(QUEUES)


def test_cancelling_the_rest_makes_a_part_shipped_order_ready(client, manager_user):
    clerk = UserFactory(username="clerk")
    client.force_login(manager_user)
    order = make_order(clerk, [("4", "10.0000")])
    line = order.lines.get()
    ship(order, clerk, {line: "3"})
    assert not flags(order)["shipped_in_full"]
    shipping_services.salesorderline_cancel_remaining(line=line, user=clerk)
    assert flags(order)["shipped_in_full"]
    assert "shipped_in_full" in queues_showing(client, order)


def test_a_line_added_after_shipping_in_full_takes_the_order_out_of_the_queue(client, manager_user):
    clerk = UserFactory(username="clerk")
    client.force_login(manager_user)
    order = make_order(clerk, [("4", "10.0000")])
    ship(order, clerk)
    assert flags(order)["shipped_in_full"]
    more = make_order(clerk, [("1", "1.0000")], issue=False).lines.get().part
    order.refresh_from_db()
    order_services.salesorder_line_add(
        order=order, part=more, quantity=D("1"), unit_price=D("1"), user=clerk
    )
    assert not flags(order)["shipped_in_full"]
    assert "shipped_in_full" not in queues_showing(client, order)


def test_an_order_past_its_date_is_overdue_until_nothing_is_left_to_ship(client, manager_user):
    clerk = UserFactory(username="clerk")
    client.force_login(manager_user)
    today = timezone.localdate()
    order = make_order(
        clerk,
        [("4", "10.0000")],
        order_date=today - datetime.timedelta(days=10),
        target_date=today - datetime.timedelta(days=1),
    )

    def overdue_listed() -> bool:
        page = client.get(reverse("salesorders:list"), {"overdue": "true"}).content.decode()
        return f">{order.reference}<" in page

    assert overdue_listed() and SalesOrder.objects.overdue().filter(pk=order.pk).exists()
    line = order.lines.get()
    ship(order, clerk, {line: "1"})
    assert overdue_listed()
    shipping_services.salesorderline_cancel_remaining(line=line, user=clerk)
    assert not overdue_listed()
    assert not SalesOrder.objects.overdue().filter(pk=order.pk).exists()


# (ordered, shipped, cancelled, invoiced) of one line, in each state a line can be in
LINE_STATES = [
    ("10", "0", "0", "0"),  # nothing done
    ("10", "4", "0", "0"),  # part shipped
    ("10", "10", "0", "0"),  # shipped
    ("10", "10", "0", "4"),  # shipped, part invoiced
    ("10", "10", "0", "10"),  # shipped and invoiced
    ("10", "0", "10", "0"),  # cancelled
    ("10", "4", "6", "0"),  # part shipped, the rest cancelled
    ("10", "4", "6", "4"),  # ... and what shipped invoiced
    ("10", "0", "0", "3"),  # invoiced ahead of shipping (a deposit)
]


def test_the_delivery_and_invoicing_states_read_off_the_flags_are_the_lines_rule():
    """with_delivery_state / with_invoicing_state read the stored flags (and one EXISTS where
    they leave it open): for every order of none, one or two lines in any of the states a
    line can be in, what they say is what the rule over the lines says."""
    expected = {}
    for count in (0, 1, 2):
        for states in combinations_with_replacement(LINE_STATES, count):
            order = SalesOrderFactory(status=SalesOrder.Status.ISSUED)
            for ordered, shipped, cancelled, invoiced in states:
                SalesOrderLineFactory(
                    order=order,
                    quantity=D(ordered),
                    shipped_quantity=D(shipped),
                    cancelled_quantity=D(cancelled),
                    invoiced_quantity=D(invoiced),
                )
            lines = list(order.lines.all())
            expected[order.pk] = (delivery_state_of(lines), invoicing_state_of(lines))
    read = {
        order.pk: (order.delivery_state, order.invoicing_state)
        for order in SalesOrder.objects.with_delivery_state().with_invoicing_state()
    }
    assert read == expected
    assert {state for state, _ in expected.values()} == {
        "not_shipped",
        "partially_shipped",
        "shipped",
    }
    assert {state for _, state in expected.values()} == {
        "not_invoiced",
        "partially_invoiced",
        "invoiced",
    }
