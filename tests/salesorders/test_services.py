"""Rules and refusals of the sales-order services: numbering, lines, lifecycle, concurrency."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import StockItem
from salesorders import services
from salesorders.exceptions import (
    DuplicateLineError,
    InactiveCustomerError,
    LineError,
    OrderReferenceError,
    OrderStateError,
    SalesOrderError,
    StaleOrderError,
)
from salesorders.models import SalesOrder, SalesOrderLine, SalesOrderSettings
from shipping.models import Allocation, Shipment
from tests.factories import (
    AddressFactory,
    CustomerFactory,
    PartFactory,
    StockItemFactory,
    TaxRateFactory,
    keep_line_flags,
)

pytestmark = pytest.mark.django_db
S = SalesOrder.Status


# --- creating and numbering ---------------------------------------------------------------


def test_new_order_copies_customer_name_currency_and_default_addresses(clerk, rates):
    customer = CustomerFactory(name="Acme", currency="usd")
    AddressFactory(customer=customer, line1="1 Dock Rd", city="Hull", is_default_shipping=True)
    AddressFactory(customer=customer, line1="9 Bank St", city="Leeds", is_default_billing=True)
    order = services.salesorder_create(customer=customer, user=clerk)
    assert order.status == S.PENDING and order.order_date == timezone.localdate()
    assert order.customer_name == "Acme" and order.currency == "USD"
    assert order.ship_to.startswith("Acme\n1 Dock Rd") and "9 Bank St" in order.bill_to
    assert order.events.get().kind == "created"


def test_references_follow_the_pattern_and_count_up(customer, clerk):
    first = services.salesorder_create(customer=customer, user=clerk)
    second = services.salesorder_create(customer=customer, user=clerk)
    assert (first.reference, second.reference) == ("SO-0001", "SO-0002")
    settings_row = SalesOrderSettings.load()
    settings_row.reference_pattern = "{date:%Y}/{ref:05d}"
    settings_row.save()
    third = services.salesorder_create(
        customer=customer, user=clerk, order_date=datetime.date(2031, 3, 1)
    )
    assert third.reference == "2031/00003"


def test_a_typed_reference_must_match_the_pattern_and_be_new(customer, clerk):
    typed = services.salesorder_create(customer=customer, user=clerk, reference="SO-0100")
    assert typed.reference_number == 100
    after = services.salesorder_create(customer=customer, user=clerk)
    assert after.reference == "SO-0101"
    for bad in ("SO-12", "XX-0001", "SO-0001a", "SO-0000"):
        with pytest.raises(OrderReferenceError, match="does not match the reference pattern"):
            services.salesorder_create(customer=customer, user=clerk, reference=bad)
    with pytest.raises(OrderReferenceError, match="already exists"):
        services.salesorder_create(customer=customer, user=clerk, reference="SO-0100")
    assert SalesOrder.objects.count() == 2


def test_a_deleted_orders_number_is_not_reused(customer, clerk):
    services.salesorder_create(customer=customer, user=clerk)
    services.salesorder_create(customer=customer, user=clerk).delete()
    assert services.salesorder_create(customer=customer, user=clerk).reference == "SO-0003"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("SO-", "exactly once"),
        ("{ref}-{ref}", "exactly once"),
        ("SO-{ref:x}", "whole-number"),
        ("SO-{ref:.2f}", "whole-number"),
        ("SO-{number}", "may only contain"),
        ("SO-{ref", "not valid"),
        ("{date}-{ref}", "strftime"),
        ("{date:%Q}-{ref}", "strftime"),
        ("{ref!r}", "may not use"),
        ("SO-{ref:099999999999d}", "wider than a reference"),  # not a 100 GB string
    ],
)
def test_an_invalid_pattern_is_refused_when_saved(pattern, message, clerk):
    with pytest.raises(OrderReferenceError, match=message):
        services.settings_update(reference_pattern=pattern, user=clerk)
    row = SalesOrderSettings.load()
    row.reference_pattern = pattern
    with pytest.raises(Exception, match=message):
        row.full_clean()


def test_order_for_an_inactive_customer_is_refused(clerk):
    customer = CustomerFactory(active=False)
    with pytest.raises(InactiveCustomerError, match="inactive"):
        services.salesorder_create(customer=customer, user=clerk)
    assert not SalesOrder.objects.exists()


def test_target_date_before_order_date_is_refused(customer, clerk):
    with pytest.raises(SalesOrderError, match="cannot be before the order date"):
        services.salesorder_create(
            customer=customer,
            user=clerk,
            order_date=datetime.date(2030, 5, 10),
            target_date=datetime.date(2030, 5, 9),
        )
    assert not SalesOrder.objects.exists()


# --- lines --------------------------------------------------------------------------------


def test_line_is_priced_by_price_break_and_taxed_at_the_parts_rate(order, part_with_break, clerk):
    small = services.salesorder_line_add(order=order, part=part_with_break, quantity=5, user=clerk)
    assert (small.unit_price, small.price_source, small.price_overridden) == (
        Decimal("1.0000"),
        "list",
        False,
    )
    small = services.salesorder_line_update(line=small, quantity=100, user=clerk)
    assert small.unit_price == Decimal("0.8") and small.price_source_label.startswith(
        "Price break: min qty 100"
    )
    assert small.tax_name == "VAT 20%" and small.tax_percent == Decimal("20")
    assert (small.part_sku, small.part_name, small.unit) == ("NUT-1", "Nut", "pcs")


def test_overridden_price_is_kept_when_the_quantity_changes(order, part_with_break, clerk):
    line = services.salesorder_line_add(
        order=order, part=part_with_break, quantity=5, unit_price="0.5", user=clerk
    )
    assert line.price_overridden and line.price_source == "manual"
    line = services.salesorder_line_update(line=line, quantity=200, user=clerk)
    assert line.unit_price == Decimal("0.5") and line.price_overridden
    line = services.salesorder_line_update(line=line, unit_price=None, user=clerk)
    assert line.unit_price == Decimal("0.8") and not line.price_overridden


def test_price_source_is_one_of_its_choices_and_overridden_means_manual(order, part, clerk):
    """A typed price reads "Manual" wherever it shows; a source outside the choices is refused."""
    line = services.salesorder_line_add(
        order=order, part=part, quantity=2, unit_price=9, user=clerk
    )
    line.refresh_from_db()
    assert line.get_price_source_display() == "Manual" and line.price_overridden
    line.price_source = "guessed"
    with pytest.raises(ValidationError) as refused:
        line.full_clean()
    assert "price_source" in refused.value.message_dict


def test_tax_override_is_recorded(order, part, clerk):
    zero = TaxRateFactory(name="Zero", percent=Decimal("0"))
    line = services.salesorder_line_add(
        order=order, part=part, quantity=2, tax_rate=zero, user=clerk
    )
    assert line.tax_overridden and line.tax_amount == Decimal("0.00")
    line = services.salesorder_line_update(line=line, tax_rate=part.default_tax_rate, user=clerk)
    assert not line.tax_overridden and line.tax_amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "above zero"),
        ({"quantity": -2}, "quantity", "above zero"),
        ({"quantity": "ten"}, "quantity", "must be a number"),
        ({"quantity": "nan"}, "quantity", "must be a number"),
        ({"quantity": "1.00001"}, "quantity", "4 decimal places"),
        ({"quantity": 1, "discount_percent": 101}, "discount_percent", "between 0 and 100"),
        ({"quantity": 1, "discount_percent": -1}, "discount_percent", "between 0 and 100"),
        ({"quantity": 1, "unit_price": "abc"}, "unit_price", "must be a number"),
    ],
)
def test_bad_line_input_is_refused_at_its_field(order, part, clerk, kwargs, field, message):
    with pytest.raises(LineError, match=message) as caught:
        services.salesorder_line_add(order=order, part=part, user=clerk, **kwargs)
    assert field in caught.value.message_dict
    order.refresh_from_db()
    assert order.line_count == 0 and order.version == 1


@pytest.mark.parametrize("flag", ["active", "salable"])
def test_inactive_or_unsalable_part_is_refused(order, clerk, flag):
    part = PartFactory(**{flag: False})
    with pytest.raises(LineError, match="not an active, salable part"):
        services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    assert not order.lines.exists()


def test_adding_a_part_already_on_the_order_points_to_that_line(order, part, clerk):
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    with pytest.raises(DuplicateLineError, match="already on this order") as caught:
        services.salesorder_line_add(order=order, part=part, quantity=3, user=clerk)
    assert caught.value.line == line
    assert order.lines.count() == 1


def test_stale_version_is_refused_with_who_and_when_and_nothing_changes(order, part, clerk):
    opened = order.version
    services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    with pytest.raises(StaleOrderError, match=r"changed by Clara Clerk at .*reload"):
        services.salesorder_update(
            order=order, user=clerk, expected_version=opened, description="mine"
        )
    order.refresh_from_db()
    assert order.description == ""
    services.salesorder_update(
        order=order, user=clerk, expected_version=order.version, description="mine"
    )
    order.refresh_from_db()
    assert order.description == "mine"


def test_every_change_bumps_the_version_and_records_history(order, part, clerk):
    versions = [order.version]
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    order.refresh_from_db()
    versions.append(order.version)
    services.salesorder_line_update(line=line, quantity=3, user=clerk)
    order.refresh_from_db()
    versions.append(order.version)
    services.salesorder_issue(order=order, user=clerk)
    order.refresh_from_db()
    versions.append(order.version)
    assert versions == sorted(set(versions))
    kinds = list(order.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "line_added", "line_changed", "issued"]
    assert order.events.filter(user=clerk).count() == 4


def _line_change_queries(order, clerk, count):
    parts = PartFactory.create_batch(count)
    SalesOrderLine.objects.bulk_create(
        SalesOrderLine(
            order=order,
            part=p,
            part_name=p.name,
            part_sku=p.sku,
            unit=p.unit,
            quantity=Decimal("1"),
            unit_price=p.list_price,
        )
        for p in parts
    )
    new_part = PartFactory()
    with CaptureQueriesContext(connection) as add:
        line = services.salesorder_line_add(order=order, part=new_part, quantity=5, user=clerk)
    with CaptureQueriesContext(connection) as change:
        services.salesorder_line_update(line=line, quantity=7, user=clerk)
    with CaptureQueriesContext(connection) as remove:
        services.salesorder_line_delete(line=line, user=clerk)
    return len(add), len(change), len(remove)


def test_line_changes_cost_the_same_queries_on_a_10_and_a_1000_line_order(customer, clerk):
    small = services.salesorder_create(customer=customer, user=clerk)
    big = services.salesorder_create(customer=customer, user=clerk)
    assert _line_change_queries(small, clerk, 10) == _line_change_queries(big, clerk, 1000)
    big.refresh_from_db()
    assert big.line_count == 1000


def test_pending_orders_may_change_customer_and_currency_but_issued_ones_may_not(
    order, part, clerk, rates
):
    other = CustomerFactory(name="Beta")
    services.salesorder_update(order=order, user=clerk, customer=other, currency="gbp")
    order.refresh_from_db()
    assert (order.customer_name, order.currency) == ("Beta", "GBP")
    services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    services.salesorder_issue(order=order, user=clerk)
    with pytest.raises(OrderStateError, match="only be changed while the order is Pending"):
        services.salesorder_update(order=order, user=clerk, currency="EUR")
    services.salesorder_update(order=order, user=clerk, notes="ring first")


def test_a_new_customer_on_a_pending_order_brings_its_addresses_and_currency(order, clerk, rates):
    other = CustomerFactory(name="Beta", currency="USD")
    AddressFactory(customer=other, line1="1 Beta Way", is_default_shipping=True)
    services.salesorder_update(order=order, user=clerk, customer=other, ship_to=order.ship_to)
    order.refresh_from_db()
    assert order.currency == "USD"
    assert "1 Beta Way" in order.ship_to and "1 Beta Way" in order.bill_to


def test_an_address_typed_in_the_same_edit_as_a_new_customer_is_kept(order, clerk):
    other = CustomerFactory(name="Beta")
    AddressFactory(customer=other, line1="1 Beta Way", is_default_shipping=True)
    services.salesorder_update(order=order, user=clerk, customer=other, ship_to="Dock 4")
    order.refresh_from_db()
    assert order.ship_to == "Dock 4" and "1 Beta Way" in order.bill_to


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"target_date": datetime.date(2000, 1, 1)}, "target_date", "before the order date"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217 currency code"),
    ],
)
def test_bad_header_edit_is_refused_at_its_field(order, clerk, changes, field, message):
    with pytest.raises(SalesOrderError, match=message) as caught:
        services.salesorder_update(order=order, user=clerk, **changes)
    assert field in caught.value.message_dict
    order.refresh_from_db()
    assert order.version == 1 and order.currency == "EUR"


def test_contact_of_another_customer_is_refused(order, clerk):
    from tests.factories import ContactFactory

    stranger = ContactFactory(customer=CustomerFactory(name="Other Co"))
    with pytest.raises(SalesOrderError, match="is not a contact of Acme Tools"):
        services.salesorder_update(order=order, user=clerk, contact=stranger)
    order.refresh_from_db()
    assert order.contact_id is None


def test_changing_to_an_inactive_customer_is_refused(order, clerk):
    with pytest.raises(InactiveCustomerError, match="is inactive"):
        services.salesorder_update(
            order=order, user=clerk, customer=CustomerFactory(name="Gone", active=False)
        )
    order.refresh_from_db()
    assert order.customer_name == "Acme Tools"


def test_a_line_worth_more_than_an_amount_can_hold_is_refused(order, part, clerk):
    with pytest.raises(LineError, match="more than a line can hold") as caught:
        services.salesorder_line_add(
            order=order, part=part, quantity="99999999", unit_price="9999999", user=clerk
        )
    assert "quantity" in caught.value.message_dict
    order.refresh_from_db()
    assert order.line_count == 0 and order.total == 0


def test_an_order_total_beyond_what_it_can_hold_is_refused_and_nothing_lands(order, part, clerk):
    big = {"quantity": "99999999", "unit_price": "6000"}  # 599,999,994,000.00 each
    services.salesorder_line_add(order=order, part=part, user=clerk, **big)
    with pytest.raises(LineError, match="more than an order can hold"):
        services.salesorder_line_add(order=order, part=PartFactory(), user=clerk, **big)
    with pytest.raises(LineError, match="more than an order can hold"):
        services.salesorder_extra_line_add(
            order=order, description="Freight", unit_price="9000000000", quantity=100, user=clerk
        )
    order.refresh_from_db()
    assert order.line_count == 1 and order.extra_lines.count() == 0
    assert order.subtotal == Decimal("599999994000.00")


def test_a_typed_reference_with_a_number_too_large_to_store_is_refused(customer, clerk):
    with pytest.raises(OrderReferenceError, match="too large"):
        services.salesorder_create(customer=customer, user=clerk, reference="SO-3000000000")
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda order, line, extra, version, user: services.salesorder_line_update(
            line=line, user=user, expected_version=version, quantity=5
        ),
        lambda order, line, extra, version, user: services.salesorder_line_delete(
            line=line, user=user, expected_version=version
        ),
        lambda order, line, extra, version, user: services.salesorder_extra_line_update(
            extra=extra, user=user, expected_version=version, unit_price=1
        ),
        lambda order, line, extra, version, user: services.salesorder_issue(
            order=order, user=user, expected_version=version
        ),
        lambda order, line, extra, version, user: services.salesorder_cancel(
            order=order, user=user, expected_version=version
        ),
    ],
    ids=["line-update", "line-delete", "extra-update", "issue", "cancel"],
)
def test_stale_version_is_refused_by_line_and_transition_services(order, part, clerk, call):
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    extra = services.salesorder_extra_line_add(
        order=order, description="Freight", unit_price=10, user=clerk
    )
    stale = order.version
    services.salesorder_update(order=order, user=clerk, notes="someone else")
    order.refresh_from_db()
    before = (order.version, order.status, order.total)
    with pytest.raises(StaleOrderError, match="reload"):
        call(order, line, extra, stale, clerk)
    order.refresh_from_db()
    assert (order.version, order.status, order.total) == before


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"description": "  ", "unit_price": 5}, "description", "Say what the charge"),
        ({"description": "Freight", "unit_price": 5, "quantity": "x"}, "quantity", "number"),
        ({"description": "Freight", "unit_price": 5, "quantity": 0}, "quantity", "above zero"),
    ],
)
def test_bad_extra_line_input_is_refused_at_its_field(order, clerk, kwargs, field, message):
    with pytest.raises(LineError, match=message) as caught:
        services.salesorder_extra_line_add(order=order, user=clerk, **kwargs)
    assert field in caught.value.message_dict
    assert not order.extra_lines.exists()


def test_issued_line_quantity_cannot_go_below_shipped_and_cancelled(order, part, clerk):
    line = services.salesorder_line_add(order=order, part=part, quantity=10, user=clerk)
    services.salesorder_issue(order=order, user=clerk)
    SalesOrderLine.objects.filter(pk=line.pk).update(
        shipped_quantity=Decimal("4"), cancelled_quantity=Decimal("2")
    )
    with pytest.raises(LineError, match="cannot go below 6"):
        services.salesorder_line_update(line=line, quantity=5, user=clerk)
    services.salesorder_line_update(line=line, quantity=6, user=clerk)
    with pytest.raises(LineError, match="cannot be removed"):
        services.salesorder_line_delete(line=line, user=clerk)


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED])
def test_complete_and_cancelled_orders_are_read_only(order, part, clerk, status):
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    extra = services.salesorder_extra_line_add(
        order=order, description="Fee", unit_price=1, user=clerk
    )
    SalesOrder.objects.filter(pk=order.pk).update(status=status)
    attempts = [
        lambda: services.salesorder_update(order=order, user=clerk, notes="x"),
        lambda: services.salesorder_line_add(
            order=order, part=PartFactory(), quantity=1, user=clerk
        ),
        lambda: services.salesorder_line_update(line=line, quantity=2, user=clerk),
        lambda: services.salesorder_line_delete(line=line, user=clerk),
        lambda: services.salesorder_extra_line_add(
            order=order, description="x", unit_price=1, user=clerk
        ),
        lambda: services.salesorder_extra_line_update(extra=extra, unit_price=2, user=clerk),
        lambda: services.salesorder_extra_line_delete(extra=extra, user=clerk),
    ]
    for attempt in attempts:
        with pytest.raises(OrderStateError, match="cannot be changed"):
            attempt()
    order.refresh_from_db()
    assert order.line_count == 1 and order.notes == ""


# --- lifecycle ----------------------------------------------------------------------------

FACTS_OK = SalesOrder.Facts(
    line_count=1,
    shipped_anything=True,
    delivery_state="shipped",
    has_pending_shipment=False,
    customer_active=True,
)
EXPECTED_MOVES = {
    # (status, action): allowed?
    (S.PENDING, "issue"): True,
    (S.PENDING, "hold"): True,
    (S.PENDING, "release"): False,
    (S.PENDING, "complete"): False,
    (S.PENDING, "cancel"): True,
    (S.ISSUED, "issue"): False,
    (S.ISSUED, "hold"): True,
    (S.ISSUED, "release"): False,
    (S.ISSUED, "complete"): True,
    (S.ISSUED, "cancel"): True,
    (S.ON_HOLD, "issue"): False,
    (S.ON_HOLD, "hold"): False,
    (S.ON_HOLD, "release"): True,
    (S.ON_HOLD, "complete"): False,
    (S.ON_HOLD, "cancel"): True,
    **{(S.COMPLETE, a): False for a in SalesOrder.TRANSITIONS},
    **{(S.CANCELLED, a): False for a in SalesOrder.TRANSITIONS},
}


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED_MOVES))
def test_allowed_transitions_table(status, action):
    """Only the moves in the table are allowed; each refusal is a sentence naming the order."""
    order = SalesOrder(reference="SO-0042", status=status, issued_at=timezone.now())
    facts = (
        FACTS_OK
        if action == "complete"
        else FACTS_OK.__class__(**{**FACTS_OK.__dict__, "shipped_anything": False})
    )
    refusal = order.transition_refusal(action, facts)
    assert (refusal is None) == EXPECTED_MOVES[(status, action)], refusal
    if refusal:
        assert refusal.startswith("SO-0042 is ") and refusal.endswith(".")


def test_issue_needs_a_line(order, clerk):
    with pytest.raises(OrderStateError, match="has no lines"):
        services.salesorder_issue(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_issue_needs_an_active_customer(order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    order.customer.active = False
    order.customer.save()
    with pytest.raises(OrderStateError, match="inactive"):
        services.salesorder_issue(order=order, user=clerk)


def test_hold_needs_a_reason_and_release_issues_the_order(order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    with pytest.raises(OrderStateError, match="Say why"):
        services.salesorder_hold(order=order, reason="  ", user=clerk)
    services.salesorder_hold(order=order, reason="Awaiting payment", user=clerk)
    order.refresh_from_db()
    assert order.status == S.ON_HOLD and order.hold_reason == "Awaiting payment"
    services.salesorder_release(order=order, reason="Paid", user=clerk)
    order.refresh_from_db()
    assert order.status == S.ISSUED and order.hold_reason == "" and order.issued_by == clerk
    assert order.events.filter(kind="released", message__contains="Paid").exists()


def test_release_of_an_order_held_while_pending_obeys_the_issue_rules(order, clerk):
    services.salesorder_hold(order=order, reason="Check", user=clerk)
    with pytest.raises(OrderStateError, match="has no lines"):
        services.salesorder_release(order=order, user=clerk)


def _issued_order_with_stock(order, part, clerk, quantity=10):
    line = services.salesorder_line_add(order=order, part=part, quantity=quantity, user=clerk)
    services.salesorder_issue(order=order, user=clerk)
    return line


def _allocate(line, item, quantity, shipment_status="pending"):
    """Reserve stock the way the shipping services do (counters and row)."""
    shipment = Shipment.objects.create(
        order=line.order, reference=f"S{Shipment.objects.count() + 1}", status=shipment_status
    )
    Allocation.objects.create(line=line, stock_item=item, shipment=shipment, quantity=quantity)
    StockItem.objects.filter(pk=item.pk).update(allocated_quantity=Decimal(quantity))
    SalesOrderLine.objects.filter(pk=line.pk).update(allocated_quantity=Decimal(quantity))
    return shipment


def test_complete_needs_every_line_shipped_or_cancelled_and_no_pending_shipment(order, part, clerk):
    line = _issued_order_with_stock(order, part, clerk)
    with pytest.raises(OrderStateError, match="until every line is shipped"):
        services.salesorder_complete(order=order, user=clerk)
    SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=Decimal("6"))
    keep_line_flags(line.order_id)
    with pytest.raises(OrderStateError, match="until every line is shipped"):
        services.salesorder_complete(order=order, user=clerk)
    services.salesorder_line_cancel_remaining(line=line, user=clerk)
    Shipment.objects.create(order=order, reference="X", status="pending")
    with pytest.raises(OrderStateError, match="pending shipment"):
        services.salesorder_complete(order=order, user=clerk)
    Shipment.objects.filter(order=order).delete()
    services.salesorder_complete(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == S.COMPLETE and order.completed_by == clerk
    assert SalesOrder.objects.with_delivery_state().get(pk=order.pk).delivery_state == "shipped"


def test_cancel_is_refused_while_stock_is_allocated_to_the_order(order, part, clerk):
    """Releasing reserved stock is shipping's (shipping.services.salesorder_cancel)."""
    line = _issued_order_with_stock(order, part, clerk)
    item = StockItemFactory(part=part, quantity=Decimal("50"))
    _allocate(line, item, 4)
    with pytest.raises(OrderStateError, match="release its allocations first"):
        services.salesorder_cancel(order=order, reason="Customer withdrew", user=clerk)
    order.refresh_from_db()
    assert order.status == S.ISSUED and Allocation.objects.count() == 1


def test_cancel_is_refused_once_something_shipped(order, part, clerk):
    line = _issued_order_with_stock(order, part, clerk)
    SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=Decimal("1"))
    keep_line_flags(line.order_id)
    with pytest.raises(OrderStateError, match="Cancel Remaining"):
        services.salesorder_cancel(order=order, user=clerk)
    order.refresh_from_db()
    assert order.status == S.ISSUED


def test_cancel_remaining_cancels_the_rest_and_is_refused_while_stock_is_allocated(
    order, part, clerk
):
    """Releasing the line's allocations is shipping's (salesorderline_cancel_remaining)."""
    line = _issued_order_with_stock(order, part, clerk)
    item = StockItemFactory(part=part, quantity=Decimal("50"))
    _allocate(line, item, 3)
    SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=Decimal("2"))
    keep_line_flags(line.order_id)
    with pytest.raises(LineError, match="release its allocations first"):
        services.salesorder_line_cancel_remaining(line=line, user=clerk)
    Allocation.objects.all().delete()
    SalesOrderLine.objects.filter(pk=line.pk).update(allocated_quantity=0)
    line = services.salesorder_line_cancel_remaining(line=line, user=clerk)
    assert (line.shipped_quantity, line.cancelled_quantity, line.allocated_quantity) == (2, 8, 0)
    with pytest.raises(LineError, match="Nothing is left"):
        services.salesorder_line_cancel_remaining(line=line, user=clerk)


def test_cancel_remaining_is_only_for_issued_or_held_orders(order, part, clerk):
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    with pytest.raises(OrderStateError, match="Issued or On Hold"):
        services.salesorder_line_cancel_remaining(line=line, user=clerk)


# --- read side ----------------------------------------------------------------------------


def test_open_overdue_and_delivery_state_querysets(customer, part, clerk):
    today = timezone.localdate()
    late = services.salesorder_create(
        customer=customer,
        user=clerk,
        order_date=today - datetime.timedelta(days=10),
        target_date=today - datetime.timedelta(days=1),
    )
    due_today = services.salesorder_create(customer=customer, user=clerk, target_date=today)
    line = _issued_order_with_stock(due_today, part, clerk)
    services.salesorder_line_add(order=late, part=part, quantity=1, user=clerk)
    done = services.salesorder_create(
        customer=customer,
        user=clerk,
        order_date=today - datetime.timedelta(days=10),
        target_date=today - datetime.timedelta(days=1),
    )
    SalesOrder.objects.filter(pk=done.pk).update(status=S.CANCELLED)
    assert set(SalesOrder.objects.open()) == {late, due_today}
    assert list(SalesOrder.objects.overdue()) == [late]
    assert list(SalesOrder.objects.overdue(today + datetime.timedelta(days=1))) == [
        due_today,
        late,
    ]
    states = dict(SalesOrder.objects.with_delivery_state().values_list("pk", "delivery_state"))
    assert states[late.pk] == "not_shipped"
    SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=Decimal("3"))
    keep_line_flags(line.order_id)
    state = SalesOrder.objects.with_delivery_state().get(pk=due_today.pk)
    assert state.delivery_state == "partially_shipped"
    assert state.get_delivery_state_display() == "Partially shipped"
