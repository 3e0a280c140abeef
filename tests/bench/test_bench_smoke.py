"""The benchmark in miniature: generate a small data set, run every scenario once.

The full benchmark (100,000 orders) is too slow for CI; this keeps the generator and every
scenario working as the pages and services change, so `python -m bench` cannot rot.
"""

import pytest
from django.core.management import CommandError, call_command

from accounting.selectors import tax_charge_for
from bench import api_scenarios, scenarios  # noqa: F401 - registers the scenarios
from bench.harness import REGISTRY, run_scenario
from bench.invariants import check
from customers.models import Customer
from inventory.models import StockMovement
from inventory.pricing import suggest_price_in
from salesorders.models import SalesOrder, SalesOrderEvent, SalesOrderLine, SalesOrderSettings
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SMALL = ["--customers", "20", "--parts", "60", "--orders", "100", "--lines", "5", "--seed", "3"]


def generate(*extra: str) -> None:
    call_command("generate_data", *SMALL, *extra, "--no-progress", verbosity=0)


def test_generated_data_keeps_every_counter_equal_to_its_rows():
    """Totals, line counts, allocated/shipped counters and stock ledgers all add up."""
    generate()
    assert SalesOrder.objects.count() == 100
    # Every status but Pending Approval: the generator makes no approval rounds (an order in
    # it without its round would be a state the services never leave behind).
    generated = set(SalesOrder.Status) - {SalesOrder.Status.PENDING_APPROVAL}
    assert set(SalesOrder.objects.values_list("status", flat=True)) == generated
    assert check() == {}


def test_generated_references_continue_the_numbering():
    """The numbering counter ends at the highest generated number; references follow it."""
    generate()
    highest = SalesOrder.objects.order_by("-reference_number").first()
    assert highest.reference == f"SO-{highest.reference_number:04d}"
    assert SalesOrderSettings.load().last_reference_number == highest.reference_number


def test_generated_lines_are_what_the_snapshot_constructor_builds():
    """Each line has its part's name, SKU and unit, the price break or list price for its
    quantity (or a manual price), the part's tax and amounts rounded as the app rounds them."""
    generate()
    fields = [
        "part_name",
        "part_sku",
        "unit",
        "list_unit_price",
        "unit_price",
        "price_source",
        "price_source_label",
        "tax_rate_id",
        "tax_percent",
        "subtotal",
        "tax_amount",
        "total",
    ]
    lines = SalesOrderLine.objects.select_related(
        "order", "part__default_tax_rate"
    ).prefetch_related("part__price_breaks")
    sources = set()
    for line in lines:
        order = line.order
        expected = SalesOrderLine.from_part(
            order=order,
            part=line.part,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            # As the services price and tax it: in the order's currency at its rate, by the
            # customer's tax treatment.
            suggestion=suggest_price_in(
                line.part,
                line.quantity,
                currency=order.currency,
                rate=order.currency_rate,
                customer_id=order.customer_id,
            ),
            tax_rate=tax_charge_for(
                tax_rate=line.part.default_tax_rate,
                treatment=order.tax_treatment,
                country=order.tax_country,
            ),
        )
        assert [getattr(line, f) for f in fields] == [getattr(expected, f) for f in fields]
        sources.add(line.price_source)
    # The generator makes no price lists: every other source is there.
    assert sources == set(SalesOrderLine.PriceSource) - {SalesOrderLine.PriceSource.PRICE_LIST}


def test_generated_history_and_ledger_use_the_apps_kinds():
    """Order events and stock movements carry kinds their models define (the history page
    labels them)."""
    generate()
    kinds = set(SalesOrderEvent.objects.values_list("kind", flat=True))
    assert kinds <= set(SalesOrderEvent.Kind)
    assert SalesOrderEvent.Kind.SHIPMENT_SHIPPED in kinds
    movements = set(StockMovement.objects.values_list("kind", flat=True))
    assert movements == {StockMovement.Kind.RECEIVED, StockMovement.Kind.SHIPPED}


def test_generator_refuses_a_database_with_other_data():
    """Real customers in the database: refused unless --force."""
    CustomerFactory()
    with pytest.raises(CommandError, match="did not make"):
        generate()
    generate("--force")
    assert Customer.objects.filter(code__startswith="G-C").count() == 20


def test_generator_is_repeatable_with_a_seed():
    """The same seed gives the same orders."""
    generate()
    first = list(SalesOrder.objects.order_by("pk").values_list("customer_name", "total"))
    generate("--force")
    second = list(SalesOrder.objects.order_by("pk").values_list("customer_name", "total"))[100:]
    assert first == second


def test_every_scenario_runs_once_on_small_data():
    """Each scenario finds its data, its view answers as expected, its action really happens."""
    generate()
    bench = scenarios.Bench()
    failures = {}
    for sc in REGISTRY:
        result = run_scenario(bench, sc, repeat=1, warmup=0, judge=False)
        if result.status != "ran" or result.queries is None:
            failures[sc.key] = f"{result.status}: {result.note}"
    assert failures == {}
    assert check() == {}  # every repetition was rolled back


def test_generated_data_includes_posted_invoices_and_payments_for_shipped_orders():
    """Complete orders are invoiced (and mostly paid); receivables are what stays open."""
    from invoicing.models import Invoice, InvoiceSettings, Payment

    generate()
    assert Invoice.objects.filter(status__in=["posted", "paid"]).exists()
    assert Payment.objects.exists()
    complete = SalesOrder.objects.filter(status=SalesOrder.Status.COMPLETE)
    shipped = complete.filter(lines__shipped_quantity__gt=0).distinct()
    assert set(Invoice.objects.values_list("order", flat=True)) >= set(
        shipped.values_list("pk", flat=True)
    )
    assert InvoiceSettings.load().last_invoice_number == Invoice.objects.count()
    assert check() == {}
