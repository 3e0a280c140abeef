"""The invoicing pages: permissions, Create Invoice, drafts, Post, Void, payments, Ship and
Invoice, Invoice All Shipped, and each bad input refused with its sentence, nothing written."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounting.models import AccountingPeriod
from conftest import _user_in
from invoicing import services
from invoicing.models import Invoice, InvoiceLine, Payment
from salesorders.models import SalesOrder
from tests.factories import TaxRateFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def accounts_user(db):
    return _user_in("Accounts", "alice")


@pytest.fixture
def accounts_client(client, accounts_user):
    client.force_login(accounts_user)
    return client


def lines_of(order):
    return list(order.lines.order_by("sort_order", "pk"))


def posted_invoice(order, user):
    return services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=user), user=user
    )


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def follow(client, url, data=None):
    return client.post(url, data or {}, follow=True)


# --- permissions and methods ----------------------------------------------------------------


def test_invoice_pages_need_a_login_and_the_invoicing_permissions(client, user, sales_user):
    order = make_order(sales_user)
    ship(order, sales_user)
    invoice = services.invoice_create_from_order(order=order, user=sales_user)
    assert client.get(reverse("invoicing:invoice-list")).status_code == 302  # to the login
    client.force_login(user)
    assert client.get(reverse("invoicing:invoice-list")).status_code == 403
    assert client.get(invoice.get_absolute_url()).status_code == 403
    client.force_login(sales_user)  # Sales read invoices, and change nothing
    assert client.get(invoice.get_absolute_url()).status_code == 200
    assert client.post(reverse("invoicing:invoice-post", args=[invoice.pk])).status_code == 403
    create = reverse("invoicing:invoice-create", args=[order.pk])
    assert client.get(create).status_code == 403
    invoice.refresh_from_db()
    assert invoice.is_draft


@pytest.mark.parametrize(
    "name", ["invoice-post", "invoice-void", "invoice-delete", "invoice-line-add"]
)
def test_state_changes_answer_get_with_405_and_change_nothing(accounts_client, accounts_user, name):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    assert accounts_client.get(reverse(f"invoicing:{name}", args=[invoice.pk])).status_code == 405
    url = reverse("invoicing:orders-invoice-shipped")
    assert accounts_client.get(url).status_code == 405
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.lines.count() == 1


# --- Create Invoice ---------------------------------------------------------------------------


def test_create_invoice_is_prefilled_with_what_is_shipped_and_not_invoiced(
    accounts_client, accounts_user
):
    order = make_order(accounts_user, [("10", "9.9900"), ("4", "2.5000")])
    first, second = lines_of(order)
    ship(order, accounts_user, {first: "6"})
    response = accounts_client.get(reverse("invoicing:invoice-create", args=[order.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="quantity_{first.pk}"' in html and 'value="6"' in html
    assert f'name="quantity_{second.pk}"' not in html  # nothing shipped of it
    assert not Invoice.objects.exists()


def test_create_invoice_bills_a_lowered_quantity_and_leaves_lines_out(
    accounts_client, accounts_user
):
    order = make_order(accounts_user, [("10", "9.9900"), ("4", "2.5000")])
    first, second = lines_of(order)
    ship(order, accounts_user)
    response = follow(
        accounts_client,
        reverse("invoicing:invoice-create", args=[order.pk]),
        {f"quantity_{first.pk}": "3", f"quantity_{second.pk}": ""},
    )
    invoice = Invoice.objects.get()
    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    assert [(line.order_line_id, line.quantity) for line in invoice.lines.all()] == [
        (first.pk, D("3"))
    ]
    assert "created for" in messages_of(response)


@pytest.mark.parametrize(
    ("quantity", "sentence"),
    [
        ("7", "at most 6 pcs may be invoiced"),
        ("-1", "cannot be negative"),
        ("2.5", "whole pieces"),
        ("abc", "must be a number"),
    ],
)
def test_create_invoice_refuses_bad_quantities_at_the_line(
    accounts_client, accounts_user, quantity, sentence
):
    order = make_order(accounts_user)
    (line,) = lines_of(order)
    ship(order, accounts_user, {line: "6"})
    response = accounts_client.post(
        reverse("invoicing:invoice-create", args=[order.pk]), {f"quantity_{line.pk}": quantity}
    )
    assert response.status_code == 200
    assert sentence in response.content.decode()
    assert not Invoice.objects.exists()
    line.refresh_from_db()
    assert line.invoiced_quantity == 0


def test_create_invoice_refuses_a_crafted_line_of_another_order(accounts_client, accounts_user):
    order, other = make_order(accounts_user), make_order(accounts_user)
    ship(order, accounts_user)
    ship(other, accounts_user)
    (foreign,) = lines_of(other)
    response = accounts_client.post(
        reverse("invoicing:invoice-create", args=[order.pk]), {f"quantity_{foreign.pk}": "1"}
    )
    assert f"is not a line of {order.reference}" in response.content.decode()
    assert not Invoice.objects.exists()


def test_create_invoice_with_every_line_left_out_says_so(accounts_client, accounts_user):
    order = make_order(accounts_user)
    (line,) = lines_of(order)
    ship(order, accounts_user)
    response = accounts_client.post(
        reverse("invoicing:invoice-create", args=[order.pk]), {f"quantity_{line.pk}": "0"}
    )
    assert "Enter a quantity on at least one line" in response.content.decode()
    assert not Invoice.objects.exists()


# --- drafts -----------------------------------------------------------------------------------


def test_a_draft_takes_new_prices_a_free_line_and_loses_a_line(accounts_client, accounts_user):
    order = make_order(accounts_user, [("10", "10.0000"), ("2", "5.0000")])
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    first, second = invoice.lines.order_by("sort_order", "pk")
    follow(
        accounts_client,
        reverse("invoicing:invoice-line-update", args=[invoice.pk, first.pk]),
        {
            "quantity": "10",
            "unit_price": "9.0000",
            "discount_percent": "0",
            "version": invoice.version,
        },
    )
    invoice.refresh_from_db()
    follow(
        accounts_client,
        reverse("invoicing:invoice-line-add", args=[invoice.pk]),
        {
            "description": "Handling",
            "quantity": "1",
            "unit_price": "4.0000",
            "version": invoice.version,
        },
    )
    invoice.refresh_from_db()
    follow(
        accounts_client,
        reverse("invoicing:invoice-line-delete", args=[invoice.pk, second.pk]),
        {"version": invoice.version},
    )
    invoice.refresh_from_db()
    assert {line.description: line.subtotal for line in invoice.lines.all()} == {
        "Handling": D("4.00"),
        first.description: D("90.00"),
    }
    assert invoice.subtotal == D("94.00")


def test_a_draft_line_of_another_invoice_is_not_found(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    other_order = make_order(accounts_user)
    ship(other_order, accounts_user)
    other = services.invoice_create_from_order(order=other_order, user=accounts_user)
    url = reverse("invoicing:invoice-line-delete", args=[invoice.pk, other.lines.get().pk])
    assert accounts_client.post(url).status_code == 404
    assert other.lines.count() == 1


def test_delete_draft_has_a_confirm_step_and_returns_the_quantities(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    confirm = accounts_client.get(reverse("invoicing:invoice-confirm", args=[invoice.pk, "delete"]))
    assert "Delete Draft" in confirm.content.decode() and Invoice.objects.exists()
    response = follow(
        accounts_client,
        reverse("invoicing:invoice-delete", args=[invoice.pk]),
        {"version": invoice.version},
    )
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert not Invoice.objects.exists()
    assert lines_of(order)[0].invoiced_quantity == 0


# --- Post, Void -------------------------------------------------------------------------------


def test_post_invoice_numbers_it_and_shows_posted(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    page = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert "Post Invoice" in page and "Record Payment" not in page
    response = follow(
        accounts_client,
        reverse("invoicing:invoice-post", args=[invoice.pk]),
        {"version": invoice.version},
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.POSTED and invoice.number
    html = response.content.decode()
    assert f"{invoice.number} posted." in html and "Record Payment" in html
    assert "Post Invoice" not in html


def test_posting_an_empty_invoice_is_refused_with_a_sentence(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    services.invoice_line_delete(line=invoice.lines.get(), user=accounts_user)
    invoice.refresh_from_db()
    response = follow(
        accounts_client,
        reverse("invoicing:invoice-post", args=[invoice.pk]),
        {"version": invoice.version},
    )
    assert "has no lines" in messages_of(response)
    invoice.refresh_from_db()
    assert invoice.is_draft and not invoice.number


def test_void_asks_a_reason_then_posts_a_credit_note(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = posted_invoice(order, accounts_user)
    confirm = accounts_client.get(reverse("invoicing:invoice-confirm", args=[invoice.pk, "void"]))
    assert 'name="reason"' in confirm.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.POSTED  # the confirm step changed nothing
    response = follow(
        accounts_client,
        reverse("invoicing:invoice-void", args=[invoice.pk]),
        {"version": invoice.version, "reason": "Wrong customer"},
    )
    invoice.refresh_from_db()
    credit_note = Invoice.objects.credit_notes().get()
    assert invoice.status == Invoice.Status.VOID and invoice.void_reason == "Wrong customer"
    assert f"voided by credit note {credit_note}" in messages_of(response)
    page = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert credit_note.get_absolute_url() in page
    assert lines_of(order)[0].invoiced_quantity == 0


def test_void_refuses_a_draft_and_a_paid_invoice(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    draft = services.invoice_create_from_order(order=order, user=accounts_user)
    response = follow(accounts_client, reverse("invoicing:invoice-void", args=[draft.pk]))
    assert "Delete the draft instead" in messages_of(response)
    invoice = services.invoice_post(invoice=draft, user=accounts_user)
    services.payment_record(
        invoice=invoice, amount=invoice.total, payment_date=None, user=accounts_user
    )
    response = follow(accounts_client, reverse("invoicing:invoice-void", args=[invoice.pk]))
    assert "Reverse its payments first" in messages_of(response) or "reverse them" in (
        messages_of(response)
    )
    assert not Invoice.objects.credit_notes().exists()


# --- payments ---------------------------------------------------------------------------------


def test_record_payment_partly_then_in_full_marks_the_invoice_paid(accounts_client, accounts_user):
    order = make_order(accounts_user, [("10", "10.0000")])
    ship(order, accounts_user)
    invoice = posted_invoice(order, accounts_user)
    url = reverse("invoicing:payment-record", args=[invoice.pk])
    form = accounts_client.get(url).content.decode()
    assert 'value="119.00"' in form  # the open amount
    today = invoice.invoice_date.isoformat()
    data = {"amount": "100.00", "payment_date": today, "method": "bank_transfer"}
    follow(accounts_client, url, data)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.POSTED, D("19.00"))
    response = follow(accounts_client, url, {**data, "amount": "19.00", "reference": "TX-2"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert "Payment of 19.00 EUR recorded." in messages_of(response)


def test_record_payment_refuses_bad_payments_and_writes_nothing(accounts_client, accounts_user):
    order = make_order(accounts_user, [("10", "10.0000")])
    ship(order, accounts_user)
    invoice = posted_invoice(order, accounts_user)
    url = reverse("invoicing:payment-record", args=[invoice.pk])
    day = invoice.invoice_date
    tomorrow = day + datetime.timedelta(days=1)
    AccountingPeriod.objects.create(
        name="Closed day", start=tomorrow, end=tomorrow, status="closed"
    )
    for amount, date, sentence in [
        ("119.01", day, "119.00 EUR open"),
        ("10.00", day - datetime.timedelta(days=1), "cannot be dated before"),
        ("10.00", tomorrow, "Closed day"),
    ]:
        response = accounts_client.post(
            url, {"amount": amount, "payment_date": date.isoformat(), "method": "bank_transfer"}
        )
        assert response.status_code == 200
        assert sentence in response.content.decode(), sentence
    assert not Payment.objects.exists()


def test_record_payment_on_a_draft_goes_back_with_the_reason(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    draft = services.invoice_create_from_order(order=order, user=accounts_user)
    response = accounts_client.get(
        reverse("invoicing:payment-record", args=[draft.pk]), follow=True
    )
    assert "Post it first" in messages_of(response)


def test_reverse_payment_reopens_the_invoice(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = posted_invoice(order, accounts_user)
    payment = services.payment_record(
        invoice=invoice, amount=invoice.total, payment_date=None, user=accounts_user
    )
    url = reverse("invoicing:payment-reverse", args=[invoice.pk, payment.pk])
    assert 'name="reason"' in accounts_client.get(url).content.decode()
    follow(accounts_client, url, {"reason": "Bounced"})
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert payment.is_reversed and invoice.status == Invoice.Status.POSTED


# --- Ship and Invoice, Invoice All Shipped ----------------------------------------------------


def test_ship_and_invoice_confirms_then_ships_and_posts(client, manager_user):
    client.force_login(manager_user)
    order = make_order(manager_user, [("5", "2.0000")])
    url = reverse("invoicing:order-ship-and-invoice", args=[order.pk])
    assert "Ship and Invoice" in client.get(url).content.decode()
    assert not Invoice.objects.exists()
    response = follow(client, url, {"version": order.version})
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.POSTED
    assert f"shipped and invoiced: {invoice.number}" in messages_of(response)
    assert lines_of(order)[0].shipped_quantity == 5


def test_ship_and_invoice_names_the_short_lines_and_does_nothing(client, manager_user):
    client.force_login(manager_user)
    order = make_order(manager_user, [("5000", "2.0000")])  # 1,000 in stock
    response = follow(
        client,
        reverse("invoicing:order-ship-and-invoice", args=[order.pk]),
        {"version": order.version},
    )
    assert "not enough stock" in messages_of(response)
    assert not Invoice.objects.exists() and lines_of(order)[0].shipped_quantity == 0


def test_ship_and_invoice_needs_warehouse_and_accounts_rights(accounts_client, accounts_user):
    order = make_order(accounts_user)
    url = reverse("invoicing:order-ship-and-invoice", args=[order.pk])
    assert accounts_client.post(url).status_code == 403
    assert not Invoice.objects.exists()


def test_invoice_all_shipped_posts_one_invoice_per_selected_order(accounts_client, accounts_user):
    shipped, unshipped = make_order(accounts_user), make_order(accounts_user)
    ship(shipped, accounts_user)
    listing = accounts_client.get(reverse("salesorders:list")).content.decode()
    assert "Invoice All Shipped" in listing and 'form="bulk-actions"' in listing
    response = follow(
        accounts_client,
        reverse("invoicing:orders-invoice-shipped"),
        {"select": [shipped.pk, unshipped.pk], "next": reverse("salesorders:list")},
    )
    invoice = Invoice.objects.get()
    assert invoice.order_id == shipped.pk and invoice.status == Invoice.Status.POSTED
    text = messages_of(response)
    assert invoice.number in text and unshipped.reference in text


def test_invoice_all_shipped_without_a_selection_says_so(accounts_client):
    response = follow(accounts_client, reverse("invoicing:orders-invoice-shipped"))
    assert "Select the orders to invoice first." in messages_of(response)


def test_order_list_hides_the_bulk_action_from_sales(sales_client):
    html = sales_client.get(reverse("salesorders:list")).content.decode()
    assert "Invoice All Shipped" not in html


# --- order and customer pages -----------------------------------------------------------------


def test_order_page_shows_its_invoices_and_invoicing_state(accounts_client, accounts_user):
    order = make_order(accounts_user, [("10", "1.0000")])
    (line,) = lines_of(order)
    html = accounts_client.get(order.get_absolute_url()).content.decode()
    assert "Not invoiced" in html and "Create Invoice" in html
    ship(order, accounts_user, {line: "4"})
    invoice = posted_invoice(order, accounts_user)
    html = accounts_client.get(order.get_absolute_url()).content.decode()
    assert "Partially invoiced" in html and invoice.number in html


def test_customer_page_shows_invoices_and_the_open_balance(accounts_client, accounts_user):
    order = make_order(accounts_user, [("10", "10.0000")])
    ship(order, accounts_user)
    invoice = posted_invoice(order, accounts_user)
    html = accounts_client.get(order.customer.get_absolute_url()).content.decode()
    assert invoice.number in html
    assert 'data-testid="open-balance">119.00 EUR' in html


# --- list -------------------------------------------------------------------------------------


def test_invoice_list_filters_and_exports_csv(accounts_client, accounts_user):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = posted_invoice(order, accounts_user)
    draft_order = make_order(accounts_user)
    ship(draft_order, accounts_user)
    services.invoice_create_from_order(order=draft_order, user=accounts_user)
    url = reverse("invoicing:invoice-list")
    rows = accounts_client.get(url, {"status": "posted"}).context["table"].rows
    assert [row.record.pk for row in rows] == [invoice.pk]
    response = accounts_client.get(url, {"status": "posted", "_export": "csv"})
    body = b"".join(response.streaming_content).decode()
    header, row = body.strip().splitlines()
    assert header.startswith("Number,Kind,Customer,Order")
    assert row.startswith(f"{invoice.number},Invoice,") and order.reference in row


# --- query budgets ----------------------------------------------------------------------------


def _invoices(count, user):
    for _ in range(count):
        order = make_order(user)
        ship(order, user)
        posted_invoice(order, user)


def test_invoice_list_costs_the_same_queries_for_3_or_12_invoices(
    accounts_client, accounts_user, django_assert_max_num_queries
):
    _invoices(3, accounts_user)
    url = reverse("invoicing:invoice-list")
    with django_assert_max_num_queries(12) as few:
        accounts_client.get(url)
    _invoices(9, accounts_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = accounts_client.get(url)
    assert len(response.context["table"].rows) == 12


def test_invoice_page_costs_the_same_queries_for_1_or_6_lines_and_payments(
    accounts_client, accounts_user, django_assert_max_num_queries
):
    small = make_order(accounts_user)
    ship(small, accounts_user)
    invoice = posted_invoice(small, accounts_user)
    with django_assert_max_num_queries(20) as few:
        accounts_client.get(invoice.get_absolute_url())
    big = make_order(accounts_user, [("3", "1.0000")] * 6)
    ship(big, accounts_user)
    invoice = posted_invoice(big, accounts_user)
    for _ in range(3):
        services.payment_record(invoice=invoice, amount="1", payment_date=None, user=accounts_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        accounts_client.get(invoice.get_absolute_url())
    with django_assert_max_num_queries(len(few.captured_queries)):
        accounts_client.get(reverse("invoicing:invoice-print", args=[invoice.pk]))


def test_customer_invoices_cost_the_same_queries_for_1_or_8_invoices(
    accounts_client, accounts_user, django_assert_max_num_queries
):
    order = make_order(accounts_user)
    ship(order, accounts_user)
    posted_invoice(order, accounts_user)
    url = order.customer.get_absolute_url()
    with django_assert_max_num_queries(30) as few:
        accounts_client.get(url)
    for _ in range(7):
        more = make_order(accounts_user, customer=order.customer)
        ship(more, accounts_user)
        posted_invoice(more, accounts_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        accounts_client.get(url)


def test_free_line_tax_rate_choices_are_the_active_rates(accounts_client, accounts_user):
    TaxRateFactory(name="Old rate", active=False)
    order = make_order(accounts_user)
    ship(order, accounts_user)
    invoice = services.invoice_create_from_order(order=order, user=accounts_user)
    html = accounts_client.get(invoice.get_absolute_url()).content.decode()
    assert "Add Line" in html and "Old rate" not in html
    assert InvoiceLine.objects.count() == 1 and SalesOrder.objects.count() == 1
