"""demo_data includes invoices: posted, paid, part-paid, a credit note and a draft."""

import pytest
from django.core.management import call_command

from bench.invariants import check
from invoicing.models import Invoice, Payment

pytestmark = pytest.mark.django_db


def test_demo_data_invoices_shipped_orders_with_a_payment_and_a_credit_note(settings):
    settings.DEBUG = True
    call_command("demo_data")
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert {"draft", "posted", "paid", "void"} <= statuses, statuses
    assert Invoice.objects.credit_notes().count() == 1
    assert Payment.objects.count() == 2
    assert check() == {}
