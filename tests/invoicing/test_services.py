"""Invoicing services: every rule and refusal with exact Decimal amounts."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.exceptions import PeriodClosedError
from accounting.models import AccountingPeriod
from customers.models import Customer
from invoicing import services
from invoicing.exceptions import (
    InvoiceAlreadyDoneError,
    InvoiceQuantityError,
    InvoiceStateError,
    PaymentError,
    ShipAndInvoiceError,
)
from invoicing.models import Invoice, InvoiceLine, InvoiceSettings, InvoicingPolicy, Payment
from salesorders import services as order_services
from salesorders.models import InvoicingState, SalesOrder
from tests.factories import ServicePartFactory, UserFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clerk():
    return UserFactory(username="accounts")


def invoicing_state(order):
    return SalesOrder.objects.with_invoicing_state().get(pk=order.pk).invoicing_state


def lines_of(order):
    return list(order.lines.order_by("sort_order", "pk"))


def receivable(order):
    return Customer.objects.get(pk=order.customer_id).receivable_base


# --- creating drafts ------------------------------------------------------------------------


def test_create_bills_what_is_shipped_and_not_invoiced(clerk):
    """Under "on shipment" a draft holds the shipped quantities at the order's prices; the
    order lines count them as invoiced at once."""
    order = make_order(clerk, [("10", "9.9900"), ("4", "2.5000")])
    first, second = lines_of(order)
    ship(order, clerk, {first: "6"})
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == ""
    (line,) = invoice.lines.all()
    assert (line.order_line_id, line.quantity, line.unit_price) == (first.pk, D("6"), D("9.99"))
    assert (line.subtotal, line.tax_amount, line.total) == (D("59.94"), D("11.39"), D("71.33"))
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        D("59.94"),
        D("11.39"),
        D("71.33"),
    )
    first.refresh_from_db()
    assert first.invoiced_quantity == D("6")
    order.refresh_from_db()
    assert order.invoiced_base_total == D("71.33")
    assert invoicing_state(order) == InvoicingState.PARTIALLY_INVOICED


def test_two_drafts_cannot_bill_the_same_goods(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    services.invoice_create_from_order(order=order, user=clerk)
    with pytest.raises(InvoiceQuantityError, match="Nothing is left to invoice on"):
        services.invoice_create_from_order(order=order, user=clerk)
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("7", "at most 6 pcs may be invoiced"),
        ("-1", "cannot be negative"),
        ("2.5", "whole pieces"),
        ("abc", "must be a number"),
    ],
)
def test_create_refuses_bad_quantities_naming_the_line(clerk, quantity, message):
    order = make_order(clerk)
    (line,) = lines_of(order)
    ship(order, clerk, {line: "6"})
    with pytest.raises(InvoiceQuantityError, match=message) as refused:
        services.invoice_create_from_order(order=order, user=clerk, quantities={line.pk: quantity})
    assert f"quantity_{line.pk}" in refused.value.message_dict
    assert not Invoice.objects.exists()
    line.refresh_from_db()
    assert line.invoiced_quantity == 0


def test_create_refuses_another_orders_line(clerk):
    order, other = make_order(clerk), make_order(clerk)
    ship(order, clerk)
    ship(other, clerk)
    (foreign,) = lines_of(other)
    with pytest.raises(InvoiceQuantityError, match=f"is not a line of {order.reference}"):
        services.invoice_create_from_order(order=order, user=clerk, quantities={foreign.pk: 1})
    assert not Invoice.objects.exists()


def test_create_refuses_nothing_shipped_and_pending_orders(clerk):
    order = make_order(clerk)
    with pytest.raises(InvoiceQuantityError, match="Nothing is left to invoice"):
        services.invoice_create_from_order(order=order, user=clerk)
    pending = make_order(clerk, issue=False)
    with pytest.raises(InvoiceStateError, match="is Pending: issue it"):
        services.invoice_create_from_order(order=pending, user=clerk)


def test_on_order_policy_bills_ordered_quantities_before_shipping(clerk):
    InvoiceSettings.objects.update_or_create(pk=1, defaults={"policy": InvoicingPolicy.ON_ORDER})
    order = make_order(clerk, [("3", "100.0000")])
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    assert invoice.lines.get().quantity == D("3")
    assert invoice.total == D("357.00")
    assert invoicing_state(order) == InvoicingState.INVOICED


def test_extra_lines_go_on_the_first_invoice_only(clerk):
    order = make_order(clerk, [("10", "10.0000")])
    order_services.salesorder_extra_line_add(
        order=order, description="Freight", unit_price=D("25.0000"), tax_rate=None, user=clerk
    )
    (line,) = lines_of(order)
    ship(order, clerk, {line: "5"})
    first = services.invoice_create_from_order(order=order, user=clerk)
    assert "Freight" in set(first.lines.values_list("description", flat=True))
    ship(order, clerk)
    second = services.invoice_create_from_order(order=order, user=clerk)
    assert second.lines.filter(extra_line__isnull=False).count() == 0


# --- amounts across partial invoices ------------------------------------------------------


def test_three_partial_invoices_add_up_to_the_order_to_the_cent_with_an_order_discount(clerk):
    """An order discount is spread pro rata over partial invoices; the last one absorbs the
    remainder, so the three invoices come to the order's totals exactly."""
    order = make_order(clerk, [("3", "3.3333"), ("7", "1.1111")], tax="19")
    order_services.salesorder_update(order=order, user=clerk, discount_amount=D("1.00"))
    order.refresh_from_db()
    first, second = lines_of(order)
    invoices = []
    for part in ({first: "1", second: "2"}, {first: "1", second: "2"}, None):
        ship(order, clerk, part)
        invoices.append(services.invoice_create_from_order(order=order, user=clerk))
    order.refresh_from_db()
    assert order.discount_total == D("1.00")
    assert sum(i.discount_total for i in invoices) == order.discount_total
    assert sum(i.subtotal for i in invoices) == order.subtotal
    assert sum(i.tax_total for i in invoices) == order.tax_total
    assert sum(i.total for i in invoices) == order.total
    # Lines come to 10.00 and 7.78: their shares of 1.00 are 0.56 and 0.44 (largest
    # remainder). 1 of 3 takes 0.19, 2 of 7 take 0.13; the last takes what is left.
    assert [i.discount_total for i in invoices] == [D("0.32"), D("0.32"), D("0.36")]
    # 3.33 - 0.19 + 19% = 3.74 and 2.22 - 0.13 + 19% = 2.49; the order comes to 19.96.
    assert [i.total for i in invoices] == [D("6.23"), D("6.23"), D("7.50")]
    assert order.total == D("19.96")
    assert invoicing_state(order) == InvoicingState.INVOICED
    assert order.invoiced_base_total == order.base_total


# --- drafts -------------------------------------------------------------------------------


def test_deleting_a_draft_returns_its_quantities(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    services.invoice_delete(invoice=invoice, user=clerk)
    (line,) = lines_of(order)
    assert line.invoiced_quantity == 0
    order.refresh_from_db()
    assert order.invoiced_base_total == 0
    assert not InvoiceLine.objects.exists()
    assert invoicing_state(order) == InvoicingState.NOT_INVOICED


def test_draft_line_quantity_and_price_edits_follow_through(clerk):
    order = make_order(clerk, [("10", "10.0000")])
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    line = invoice.lines.get()
    services.invoice_line_update(line=line, quantity=D("4"), unit_price=D("9.5000"), user=clerk)
    invoice.refresh_from_db()
    assert invoice.total == D("45.22")  # 4 x 9.50 = 38.00 + 19% 7.22
    (order_line,) = lines_of(order)
    assert order_line.invoiced_quantity == D("4")
    with pytest.raises(InvoiceQuantityError, match="at most 10 pcs"):
        services.invoice_line_update(line=line, quantity=D("11"), user=clerk)


def test_free_lines_are_added_and_removed_on_drafts_only(clerk):
    order = make_order(clerk, [("1", "100.0000")], tax="0")
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    free = services.invoice_line_add(
        invoice=invoice, description="Rebate", quantity=1, unit_price="-10", user=clerk
    )
    invoice.refresh_from_db()
    assert invoice.total == D("90.00")
    services.invoice_post(invoice=invoice, user=clerk)
    with pytest.raises(InvoiceStateError, match="never edited"):
        services.invoice_line_delete(line=free, user=clerk)


# --- posting ------------------------------------------------------------------------------


def test_post_numbers_gaplessly_and_raises_the_receivable(clerk):
    order = make_order(clerk, [("10", "10.0000")])
    (line,) = lines_of(order)
    ship(order, clerk, {line: "5"})
    first = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )
    ship(order, clerk)
    second = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )
    assert (first.number, second.number) == ("INV-00001", "INV-00002")
    assert receivable(order) == D("119.00")
    with pytest.raises(InvoiceAlreadyDoneError, match="was already posted"):
        services.invoice_post(invoice=first, user=clerk)


def test_post_refuses_an_empty_invoice(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    services.invoice_line_delete(line=invoice.lines.get(), user=clerk)
    with pytest.raises(InvoiceStateError, match="has no lines"):
        services.invoice_post(invoice=invoice, user=clerk)
    assert InvoiceSettings.load().last_invoice_number == 0


def test_post_refuses_a_date_in_a_closed_period(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    today = timezone.localdate()
    AccountingPeriod.objects.create(
        name="This month", start=today.replace(day=1), end=today, status="closed"
    )
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    with pytest.raises(PeriodClosedError, match="This month"):
        services.invoice_post(invoice=invoice, user=clerk)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == ""
    assert receivable(order) == 0


# --- voiding ------------------------------------------------------------------------------


def test_void_makes_a_mirroring_credit_note_and_restores_invoiceable_quantities(clerk):
    order = make_order(clerk, [("10", "9.9900")])
    ship(order, clerk)
    invoice = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )
    credit = services.invoice_void(invoice=invoice, reason="Wrong address", user=clerk)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert credit.kind == Invoice.Kind.CREDIT_NOTE and credit.number == "CN-00001"
    assert credit.credited_invoice == invoice
    assert credit.total == -invoice.total == D("-118.88")
    assert credit.lines.get().quantity == D("-10")
    assert receivable(order) == 0
    assert invoicing_state(order) == InvoicingState.NOT_INVOICED
    again = services.invoice_create_from_order(order=order, user=clerk)
    assert again.total == invoice.total


def test_void_refuses_drafts_and_invoices_with_payments(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    with pytest.raises(InvoiceStateError, match="Delete the draft instead"):
        services.invoice_void(invoice=invoice, reason="", user=clerk)
    services.invoice_post(invoice=invoice, user=clerk)
    services.payment_record(invoice=invoice, amount="1.00", payment_date=None, user=clerk)
    with pytest.raises(InvoiceStateError, match="reverse them"):
        services.invoice_void(invoice=invoice, reason="", user=clerk)


# --- payments -----------------------------------------------------------------------------


def test_partial_payments_then_paid_and_overpayment_refused(clerk):
    order = make_order(clerk, [("10", "10.0000")])
    ship(order, clerk)
    invoice = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )
    services.payment_record(invoice=invoice, amount="100.00", payment_date=None, user=clerk)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.POSTED, D("19.00"))
    with pytest.raises(PaymentError, match="19.00 EUR open"):
        services.payment_record(invoice=invoice, amount="19.01", payment_date=None, user=clerk)
    services.payment_record(invoice=invoice, amount="19.00", payment_date=None, user=clerk)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert receivable(order) == 0


def test_payment_refused_before_the_invoice_date_or_in_a_closed_period(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )
    yesterday = invoice.invoice_date - datetime.timedelta(days=1)
    with pytest.raises(PaymentError, match="cannot be dated before"):
        services.payment_record(invoice=invoice, amount="1", payment_date=yesterday, user=clerk)
    tomorrow = invoice.invoice_date + datetime.timedelta(days=1)
    AccountingPeriod.objects.create(name="Later", start=tomorrow, end=tomorrow, status="closed")
    with pytest.raises(PeriodClosedError, match="Later"):
        services.payment_record(invoice=invoice, amount="1", payment_date=tomorrow, user=clerk)
    assert not Payment.objects.exists()


def test_reversing_a_payment_reopens_the_invoice(clerk):
    order = make_order(clerk, [("1", "100.0000")], tax="0")
    ship(order, clerk)
    invoice = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )
    payment = services.payment_record(invoice=invoice, amount="100", payment_date=None, user=clerk)
    services.payment_reverse(payment=payment, reason="Bounced", user=clerk)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.POSTED, D("0.00"))
    assert receivable(order) == D("100.00")
    with pytest.raises(InvoiceAlreadyDoneError):
        services.payment_reverse(payment=payment, reason="", user=clerk)


# --- Ship and Invoice, Invoice All Shipped ------------------------------------------------


def test_ship_and_invoice_ships_delivers_and_posts_one_invoice(clerk):
    order = make_order(clerk, [("10", "10.0000"), ("3", "5.0000")])
    first, second = lines_of(order)
    ship(order, clerk, {first: "4"})
    service = ServicePartFactory()
    order_services.salesorder_line_add(
        order=order, part=service, quantity=D("2"), unit_price=D("50.0000"), user=clerk
    )
    order.refresh_from_db()
    first_invoice = services.invoice_create_from_order(order=order, user=clerk)
    invoice = services.salesorder_ship_and_invoice(order=order, user=clerk)
    assert invoice.status == Invoice.Status.POSTED
    assert {line.sku: line.quantity for line in invoice.lines.all()} == {
        first.part_sku: D("6"),
        second.part_sku: D("3"),
        service.sku: D("2"),
    }
    assert first_invoice.is_draft
    assert invoicing_state(order) == InvoicingState.INVOICED


def test_ship_and_invoice_does_nothing_when_a_line_is_short(clerk):
    order = make_order(clerk, [("10", "10.0000")])
    (line,) = lines_of(order)
    line.part.stock_items.update(quantity=D("7"))
    with pytest.raises(ShipAndInvoiceError, match=rf"{line.part_sku} short by 3 pcs"):
        services.salesorder_ship_and_invoice(order=order, user=clerk)
    line.refresh_from_db()
    assert (line.shipped_quantity, line.allocated_quantity, line.invoiced_quantity) == (0, 0, 0)
    assert not order.shipments.exists() and not Invoice.objects.exists()


def test_invoice_all_shipped_posts_one_invoice_per_order_and_reports_the_rest(clerk):
    shipped, unshipped = make_order(clerk), make_order(clerk)
    ship(shipped, clerk)
    batch = services.invoices_create_for_shipped(orders=[shipped, unshipped], user=clerk)
    assert [invoice.order_id for invoice in batch.invoices] == [shipped.pk]
    assert batch.invoices[0].status == Invoice.Status.POSTED
    assert batch.refused[0][0] == unshipped and "Nothing is left" in batch.refused[0][1]


def test_order_lines_on_an_invoice_cannot_shrink_below_it_or_be_removed(clerk):
    from salesorders.exceptions import LineError

    InvoiceSettings.objects.update_or_create(pk=1, defaults={"policy": InvoicingPolicy.ON_ORDER})
    order = make_order(clerk, [("10", "1.0000")])
    (line,) = lines_of(order)
    services.invoice_create_from_order(order=order, user=clerk, quantities={line.pk: 6})
    with pytest.raises(LineError, match="cannot go below 6"):
        order_services.salesorder_line_update(line=line, quantity=D("5"), user=clerk)
    with pytest.raises(LineError, match="is on an invoice"):
        order_services.salesorder_line_delete(line=line, user=clerk)


def _posted(clerk, lines=(("10", "10.0000"),)):
    order = make_order(clerk, list(lines))
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    return order, services.invoice_post(invoice=invoice, user=clerk)


def test_payments_are_refused_on_drafts_void_invoices_and_credit_notes(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    draft = services.invoice_create_from_order(order=order, user=clerk)
    with pytest.raises(InvoiceStateError, match="Post it first"):
        services.payment_record(invoice=draft, amount="1", payment_date=None, user=clerk)
    services.invoice_post(invoice=draft, user=clerk)
    credit = services.invoice_void(invoice=draft, reason="", user=clerk)
    for invoice in (draft, credit):
        with pytest.raises(InvoiceStateError):
            services.payment_record(invoice=invoice, amount="1", payment_date=None, user=clerk)
    with pytest.raises(InvoiceStateError, match="credit note"):
        services.invoice_void(invoice=credit, reason="", user=clerk)
    assert not Payment.objects.exists()


def test_a_paid_invoice_is_voided_only_after_its_payments_are_reversed(clerk):
    order, invoice = _posted(clerk)
    payment = services.payment_record(
        invoice=invoice, amount=invoice.total, payment_date=None, user=clerk
    )
    with pytest.raises(InvoiceStateError, match="Reverse its payments first"):
        services.invoice_void(invoice=invoice, reason="", user=clerk)
    services.payment_reverse(payment=payment, reason="Refunded", user=clerk)
    services.invoice_void(invoice=invoice, reason="", user=clerk)
    assert receivable(order) == 0


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "lots"])
def test_payment_amounts_must_be_positive_cents(clerk, amount):
    _order, invoice = _posted(clerk)
    with pytest.raises(PaymentError) as refused:
        services.payment_record(invoice=invoice, amount=amount, payment_date=None, user=clerk)
    assert "amount" in refused.value.message_dict
    assert not Payment.objects.exists()


def test_posted_invoices_are_never_edited_or_deleted(clerk):
    _order, invoice = _posted(clerk)
    line = invoice.lines.get()
    for call in (
        lambda: services.invoice_update(invoice=invoice, notes="x", user=clerk),
        lambda: services.invoice_line_update(line=line, quantity=1, user=clerk),
        lambda: services.invoice_line_delete(line=line, user=clerk),
        lambda: services.invoice_line_add(
            invoice=invoice, description="x", quantity=1, unit_price=1, user=clerk
        ),
    ):
        with pytest.raises(InvoiceStateError, match="never edited"):
            call()
    with pytest.raises(InvoiceStateError, match="voided with a credit note instead"):
        services.invoice_delete(invoice=invoice, user=clerk)


def test_a_draft_dated_in_a_closed_period_is_refused_at_the_date(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    day = invoice.invoice_date - datetime.timedelta(days=40)
    AccountingPeriod.objects.create(name="Old", start=day, end=day, status="locked")
    with pytest.raises(PeriodClosedError) as refused:
        services.invoice_update(invoice=invoice, invoice_date=day, user=clerk)
    assert "invoice_date" in refused.value.message_dict


def test_the_due_date_follows_the_payment_terms_and_a_stale_version_is_refused(clerk):
    order = make_order(clerk)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(
        order=order, user=clerk, invoice_date=datetime.date(2026, 1, 15)
    )
    assert invoice.due_date == datetime.date(2026, 2, 14)  # net 30 days
    services.invoice_update(invoice=invoice, notes="Thanks", user=clerk, expected_version=1)
    with pytest.raises(InvoiceStateError, match="changed by someone else"):
        services.invoice_update(invoice=invoice, notes="Again", user=clerk, expected_version=1)


def test_a_foreign_currency_invoice_is_in_base_at_the_rate_of_its_date(clerk):
    from tests.factories import CustomerFactory, ExchangeRateFactory

    day = datetime.date(2026, 3, 2)
    ExchangeRateFactory(currency="USD", date=day, rate=D("0.900000000000"))
    customer = CustomerFactory(currency="USD")
    order = make_order(clerk, [("3", "33.3300")], customer=customer, order_date=day)
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk, invoice_date=day)
    assert (invoice.currency, invoice.currency_rate) == ("USD", D("0.9"))
    assert invoice.total == D("118.99")  # 99.99 + 19% 19.00
    assert invoice.base_total == D("89.99") + D("17.10")


def test_an_extra_line_on_a_draft_is_billed_as_the_order_charges_it(clerk):
    from invoicing.exceptions import InvoicingError

    order = make_order(clerk, [("1", "10.0000")])
    order_services.salesorder_extra_line_add(
        order=order, description="Freight", unit_price=D("25.0000"), tax_rate=None, user=clerk
    )
    ship(order, clerk)
    invoice = services.invoice_create_from_order(order=order, user=clerk)
    freight = invoice.lines.get(extra_line__isnull=False)
    with pytest.raises(InvoicingError, match="billed as the order charges it"):
        services.invoice_line_update(line=freight, unit_price=D("1"), user=clerk)
    with pytest.raises(InvoiceQuantityError, match="billed in full"):
        services.invoice_line_update(line=freight, quantity=D("2"), user=clerk)
    services.invoice_line_delete(line=freight, user=clerk)
    services.invoice_delete(invoice=invoice, user=clerk)
    again = services.invoice_create_from_order(order=order, user=clerk)
    assert again.lines.filter(extra_line__isnull=False).count() == 1
