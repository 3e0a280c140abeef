"""A large, believable, self-consistent data set for benchmarks, built from the domain's rules.

    python manage.py generate_data --customers 2000 --parts 5000 --orders 100000 --lines 10 --seed 1

Everything it makes is recognisable: customer codes start with `G-C`, part SKUs with `G-P`,
salespeople's usernames with `g-`. `refuse_unless_empty()` refuses a database that holds anything
else (or an earlier generated set); the command skips it with `--force`.

The rows are the domain's own: lines come from `SalesOrderLine.from_part` (snapshot, price
breaks, tax, rounded amounts), extra lines from `apply_tax` and `core.numbers.line_amounts`,
references from `salesorders.numbering.format_reference`, stock movements and order events carry
their models' `Kind`s. Only the writing is bulk. The data keeps every rule the app relies on
(`bench/invariants.py` checks them):
- line amounts are rounded half-up to 2 dp and order totals are the sums of the stored amounts
  (lines plus extra lines); `line_count` is the number of lines;
- a line's `shipped_quantity` is the sum of its allocations in shipped shipments, its
  `allocated_quantity` the sum of its allocations in pending shipments, and shipped + cancelled +
  allocated <= ordered; complete orders are fully shipped or have their remainder cancelled;
- an order's stored line flags (shipped in full, shipped not invoiced, partially invoiced)
  are what its lines say (`salesorders.models.kept_line_flags`);
- a stock item's `allocated_quantity` is the sum of its pending allocations, within its quantity,
  and only OK stock is allocated; its quantity is what was received less every shipped
  movement, and each movement's `quantity_after` follows the item's ledger in time order;
- references follow the settings' pattern (`SO-{ref:04d}` by default) with `reference_number`
  increasing with the order date, and the numbering continues after the highest;
- generated orders are imported as they stand, at version 1: the version counts the changes
  made through the app afterwards.

Rows get explicit primary keys, so children can be written without reading ids back; the whole
run is one transaction, and the sequences are moved past the new ids at the end. On PostgreSQL
the tables are written without their foreign keys and secondary indexes, which are put back
(and the keys checked, one join each) at the end of the run (`writer.indexes_built_after`).
One transaction, not one per chunk: stock items are written last (their quantities are what
the orders left), after the allocations and movements that point at them.

Modules: `customers`, `stock` (tax rates, locations, parts, price breaks,
stock items and their ledger), `rates` (the ECB rates of the orders' currencies, each order's
rate of its date), `orders` (salespeople, orders, lines, extra lines, events),
`shipping` (shipments and allocations), `invoices` (posted invoices and payments for shipped
orders), `writer` (the bulk writer), `words`.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from bench.generate import customers, invoices, orders, rates, stock
from bench.generate.run import CUSTOMER_PREFIX, MODELS, PART_PREFIX, Run
from bench.generate.writer import explicit_timestamps, indexes_built_after, light_constructors
from customers.models import Customer
from inventory.models import Part, StockItem
from salesorders import totals
from salesorders.models import SalesOrder


def generate(**options) -> Run:
    """Write one data set (the options are Run's); call inside a transaction."""
    run = Run(**options)
    with (
        explicit_timestamps(Customer, Part, StockItem, SalesOrder),
        indexes_built_after(MODELS),
        light_constructors(MODELS),
    ):
        orders.build_salespeople(run)
        rates.build_rates(run)
        stock.build_taxes_and_locations(run)
        customers.build_customers(run)
        stock.build_parts(run)
        invoices.start(run)
        orders.build_orders(run)
        stock.build_stock(run)
    run.writer.reset_sequences()
    invoices.finish(run)
    # The order table's triggers added the dashboard's running totals batch by batch: one
    # row per day and kind from here, as the dashboard would fold them on its first view.
    totals.compact()
    return run


def refuse_unless_empty() -> None:
    """Raise CommandError when the database holds data the generator did not make, or an
    earlier generated set."""
    foreign = {
        "customers": Customer.objects.exclude(code__startswith=CUSTOMER_PREFIX).count(),
        "parts": Part.objects.exclude(sku__startswith=PART_PREFIX).count(),
        "sales orders": SalesOrder.objects.exclude(
            customer__code__startswith=CUSTOMER_PREFIX
        ).count(),
    }
    found = ", ".join(f"{n:,} {what}" for what, n in foreign.items() if n)
    if found:
        raise CommandError(
            f"This database holds data the generator did not make ({found}). Generate into "
            "an empty database, or pass --force to add generated data to it anyway."
        )
    if Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).exists():
        raise CommandError(
            "This database already holds a generated data set. Use a fresh database, or "
            "pass --force to add a second set."
        )
