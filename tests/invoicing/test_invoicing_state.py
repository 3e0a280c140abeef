"""The order's invoicing state: from line quantities, on the list, its filter and the feed."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing import services
from order_calendar.feeds import EVENT_FIELDS, order_event
from salesorders.filters import SalesOrderFilter
from salesorders.models import InvoicingState, SalesOrder, invoicing_state_of
from tests.factories import UserFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clerk():
    return UserFactory(username="accounts")


def filtered(value):
    qs = SalesOrder.objects.for_list()
    return set(SalesOrderFilter({"invoicing": value}, queryset=qs).qs.values_list("pk", flat=True))


def test_states_filters_and_work_queue_follow_line_quantities(clerk):
    """Not invoiced, partially (one line of two), invoiced; a credit note makes the order
    not invoiced again; "shipped, not invoiced" lists orders with shipped goods unbilled."""
    nothing = make_order(clerk)
    partly = make_order(clerk, [("10", "1.0000"), ("5", "1.0000")])
    full = make_order(clerk)
    ship(nothing, clerk)
    ship(partly, clerk)
    ship(full, clerk)
    first = partly.lines.order_by("pk").first()
    services.invoice_create_from_order(order=partly, user=clerk, quantities={first.pk: 10})
    invoice = services.invoice_post(
        invoice=services.invoice_create_from_order(order=full, user=clerk), user=clerk
    )
    states = dict(SalesOrder.objects.for_list().values_list("pk", "invoicing_state"))
    assert states == {
        nothing.pk: InvoicingState.NOT_INVOICED,
        partly.pk: InvoicingState.PARTIALLY_INVOICED,
        full.pk: InvoicingState.INVOICED,
    }
    for pk, state in states.items():
        assert invoicing_state_of(SalesOrder.objects.get(pk=pk).lines.all()) == state
        assert filtered(state) == {pk}
    assert filtered("shipped_not_invoiced") == {nothing.pk, partly.pk}
    services.invoice_void(invoice=invoice, reason="", user=clerk)
    assert filtered(InvoicingState.NOT_INVOICED) == {nothing.pk, full.pk}


def test_the_calendar_description_names_the_invoicing_state(clerk):
    order = make_order(clerk, target_date=timezone.localdate() + datetime.timedelta(days=7))
    ship(order, clerk)
    services.invoice_create_from_order(order=order, user=clerk)
    row = (
        SalesOrder.objects.with_delivery_state()
        .with_invoicing_state()
        .values(*EVENT_FIELDS)
        .get(pk=order.pk)
    )
    event = order_event(row, detail_url="http://x/", host="x")
    assert "Invoicing: Invoiced" in str(event.get("description"))
