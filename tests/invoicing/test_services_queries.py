"""Query budgets: creating, posting, voiding and Ship and Invoice cost the same number of
queries for a few lines as for many."""

from decimal import Decimal

import pytest

from inventory.models import Part, StockItem
from invoicing import services
from invoicing.models import Invoice, InvoiceSettings
from salesorders.models import SalesOrder, SalesOrderLine
from tests.factories import SalesOrderFactory, StockLocationFactory, TaxRateFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def big_order(lines: int, *, shipped: bool = True, stocked: bool = False) -> SalesOrder:
    """An issued order of `lines` lines of 3 pcs each, shipped in full unless `shipped` is
    False (then, with `stocked`, each part has stock to ship from)."""
    order = SalesOrderFactory(status=SalesOrder.Status.ISSUED)
    rate = TaxRateFactory(percent=D("19"))
    tag = f"Q{order.pk}-"
    Part.objects.bulk_create(
        Part(sku=f"{tag}{n}", name=f"Part {n}", list_price=D("2.5000"), default_tax_rate=rate)
        for n in range(lines)
    )
    parts = list(Part.objects.filter(sku__startswith=tag).select_related("default_tax_rate"))
    rows = []
    for n, part in enumerate(parts):
        line = SalesOrderLine.from_part(order=order, part=part, quantity=D("3"), sort_order=n)
        if shipped:
            line.shipped_quantity = line.quantity
        rows.append(line)
    SalesOrderLine.objects.bulk_create(rows)
    if stocked:
        location = StockLocationFactory()
        StockItem.objects.bulk_create(
            StockItem(part=part, location=location, quantity=D("5")) for part in parts
        )
    return order


@pytest.fixture
def clerk():
    return UserFactory(username="accounts")


def test_create_post_and_void_cost_the_same_queries_for_3_and_1000_lines(
    clerk, django_assert_max_num_queries
):
    small, big = big_order(3), big_order(1000)
    InvoiceSettings.load()  # its first use creates the row
    counts = {}
    for name, order in (("small", small), ("big", big)):
        with django_assert_max_num_queries(25) as create:
            invoice = services.invoice_create_from_order(order=order, user=clerk)
        with django_assert_max_num_queries(25) as post:
            services.invoice_post(invoice=invoice, user=clerk)
        with django_assert_max_num_queries(30) as void:
            services.invoice_void(invoice=invoice, reason="", user=clerk)
        counts[name] = (len(create), len(post), len(void))
    assert counts["small"] == counts["big"], counts
    assert Invoice.objects.get(order=big, kind="invoice").line_count == 1000


def test_ship_and_invoice_costs_the_same_queries_for_3_and_300_lines(
    clerk, django_assert_max_num_queries
):
    small = big_order(3, shipped=False, stocked=True)
    big = big_order(300, shipped=False, stocked=True)
    InvoiceSettings.load()
    with django_assert_max_num_queries(80) as few:
        services.salesorder_ship_and_invoice(order=small, user=clerk)
    # Shipping's Auto Allocate stores allocations with bulk_create, which SQLite (999
    # parameters a statement) splits into batches of 142: one more INSERT for 300 lines.
    with django_assert_max_num_queries(len(few) + 2):
        invoice = services.salesorder_ship_and_invoice(order=big, user=clerk)
    assert invoice.line_count == 300 and invoice.status == Invoice.Status.POSTED
