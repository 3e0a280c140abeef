"""Races on PostgreSQL, each worker on its own connection: two people invoicing the same
shipped goods, two posts taking numbers, a post against a period close."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounting.exceptions import PeriodClosedError
from accounting.models import AccountingPeriod
from customers.models import Customer
from invoicing import services
from invoicing.exceptions import InvoiceQuantityError
from invoicing.models import Invoice
from tests.factories import UserFactory
from tests.invoicing.helpers import make_order, ship
from tests.shipping.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


def test_two_people_invoicing_the_same_shipped_goods_make_one_invoice():
    """Both lock the order first: one draft holds the goods, the other is refused with a
    sentence; the line is invoiced once."""
    clerk = UserFactory(username="clerk")
    order = make_order(clerk, [("10", "10.0000"), ("5", "2.0000")])
    ship(order, clerk)

    def create():
        return services.invoice_create_from_order(order=order, user=clerk)

    results = run_together([create, create])

    made = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, InvoiceQuantityError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "Nothing is left to invoice" in str(refused[0])
    assert Invoice.objects.count() == 1
    assert sorted(order.lines.values_list("invoiced_quantity", flat=True)) == [D("5"), D("10")]


def test_posts_at_once_take_gapless_numbers_and_add_up_the_receivable():
    clerk = UserFactory(username="clerk")
    drafts = []
    for _ in range(6):
        order = make_order(clerk, [("1", "100.0000")], tax="0")
        ship(order, clerk)
        drafts.append(services.invoice_create_from_order(order=order, user=clerk))

    results = run_together(
        [lambda d=draft: services.invoice_post(invoice=d, user=clerk) for draft in drafts]
    )

    assert all(isinstance(r, Invoice) for r in results), results
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-{n:05d}" for n in range(1, 7)]
    assert sum(c.receivable_base for c in Customer.objects.all()) == D("600.00")


def test_posting_and_closing_the_period_race_one_wins():
    """A close (FOR UPDATE on the period row) and a post (KEY SHARE through
    period_require_open) overlap: either the invoice is posted and the close follows, or the
    period is closed first and the post refused with a sentence. Never both half-way."""
    clerk = UserFactory(username="clerk")
    today = timezone.localdate()
    period = AccountingPeriod.objects.create(name="Now", start=today.replace(day=1), end=today)
    order = make_order(clerk)
    ship(order, clerk)
    draft = services.invoice_create_from_order(order=order, user=clerk)

    def close():
        with transaction.atomic():
            row = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
            row.status = AccountingPeriod.Status.CLOSED
            row.save(update_fields=["status"])
        return "closed"

    def post():
        return services.invoice_post(invoice=draft, user=clerk)

    results = run_together([close, post])

    assert results[0] == "closed"
    draft.refresh_from_db()
    if isinstance(results[1], PeriodClosedError):
        assert draft.status == Invoice.Status.DRAFT and draft.number == ""
        assert Customer.objects.get(pk=order.customer_id).receivable_base == 0
    else:
        assert isinstance(results[1], Invoice), results
        assert draft.status == Invoice.Status.POSTED


def test_ship_and_invoice_and_a_payment_of_the_same_customer_at_once_do_not_deadlock():
    """Both take the customer's lock before the order's: one waits for the other."""
    clerk = UserFactory(username="clerk")
    order = make_order(clerk, [("2", "10.0000")])
    ship(order, clerk, {order.lines.get(): "1"})
    first = services.invoice_post(
        invoice=services.invoice_create_from_order(order=order, user=clerk), user=clerk
    )

    results = run_together(
        [
            lambda: services.salesorder_ship_and_invoice(order=order, user=clerk),
            lambda: services.payment_record(
                invoice=first, amount="5.00", payment_date=None, user=clerk
            ),
        ]
    )

    assert isinstance(results[0], Invoice) and results[0].number == "INV-00002", results
    assert not isinstance(results[1], Exception), results
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.receivable_base == D("23.80") - D("5.00")
