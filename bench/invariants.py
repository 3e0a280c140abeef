"""Checks that the stored counters equal the rows they summarise, in a few aggregate queries.

Used after the generator (tests), after benchmark scenarios, and after the concurrency run: a
counter that drifts from its rows is the first sign of a lost update under concurrency.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.numbers import ZERO
from inventory.models import StockItem, StockMovement
from salesorders import totals
from salesorders.models import (
    OPEN_STATUSES,
    SalesOrder,
    SalesOrderExtraLine,
    SalesOrderLine,
    kept_line_flags,
)
from shipping.models import Allocation, Shipment

QTY = DecimalField(max_digits=20, decimal_places=4)


def _sum(queryset, field: str, group: str):
    total = queryset.order_by().values(group).annotate(s=Sum(field)).values("s")
    return Coalesce(Subquery(total, output_field=QTY), Value(ZERO), output_field=QTY)


EPS = Decimal("0.00001")  # SQLite sums decimals as floats; real differences are >= 0.0001


def _differ(queryset, left, right):
    """Rows where two decimal expressions differ (beyond float noise on SQLite)."""
    diff = queryset.annotate(_diff=ExpressionWrapper(left - right, output_field=QTY))
    return diff.filter(Q(_diff__gt=EPS) | Q(_diff__lt=-EPS))


def check(limit: int = 5, scope: dict[str, Q] | None = None) -> dict[str, list]:
    """Every broken invariant, with up to `limit` offending ids each; empty dict when all hold.

    `scope` limits the rows looked at: {"items": Q on StockItem, "lines": Q on SalesOrderLine,
    "orders": Q on SalesOrder}."""
    scope = scope or {}
    all_items = StockItem.objects.filter(scope.get("items", Q()))
    all_lines = SalesOrderLine.objects.filter(scope.get("lines", Q()))
    all_orders = SalesOrder.objects.filter(scope.get("orders", Q()))
    pending = Allocation.objects.pending()
    shipped = Allocation.objects.exclude(shipment__status=Shipment.Status.PENDING)
    problems: dict[str, list] = {}

    def report(name: str, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True)[:limit])
        if ids:
            problems[name] = ids

    items = all_items.annotate(
        pending_sum=_sum(pending.filter(stock_item=OuterRef("pk")), "quantity", "stock_item"),
        shipped_sum=_sum(shipped.filter(stock_item=OuterRef("pk")), "quantity", "stock_item"),
        moved_out=_sum(
            StockMovement.objects.filter(
                stock_item=OuterRef("pk"), kind=StockMovement.Kind.SHIPPED
            ),
            "quantity_delta",
            "stock_item",
        ),
        ledger=_sum(
            StockMovement.objects.filter(stock_item=OuterRef("pk")), "quantity_delta", "stock_item"
        ),
    )
    report(
        "stock item over-allocated", StockItem.objects.filter(allocated_quantity__gt=F("quantity"))
    )
    report(
        "stock item allocated != pending allocations",
        _differ(items, F("allocated_quantity"), F("pending_sum")),
    )
    report(
        "stock item shipped allocations != shipped movements",
        _differ(items, F("shipped_sum"), -F("moved_out")),
    )
    report("stock item quantity != its movement ledger", _differ(items, F("quantity"), F("ledger")))
    report(
        "movement part != its stock item's part",
        StockMovement.objects.filter(stock_item__in=all_items).exclude(part=F("stock_item__part")),
    )

    lines = all_lines.annotate(
        pending_sum=_sum(pending.filter(line=OuterRef("pk")), "quantity", "line"),
        shipped_sum=_sum(shipped.filter(line=OuterRef("pk")), "quantity", "line"),
    )
    report(
        "line allocated != pending allocations",
        _differ(lines, F("allocated_quantity"), F("pending_sum")),
    )
    report(  # a service line's shipped quantity is what was delivered, without stock
        "line shipped != shipped allocations",
        _differ(lines.goods(), F("shipped_quantity"), F("shipped_sum")),
    )
    report(
        "line shipped + cancelled + allocated > ordered",
        SalesOrderLine.objects.filter(
            quantity__lt=F("shipped_quantity") + F("cancelled_quantity") + F("allocated_quantity")
        ),
    )

    orders = all_orders.annotate(
        line_total=_sum(SalesOrderLine.objects.filter(order=OuterRef("pk")), "total", "order"),
        extra_total=_sum(
            SalesOrderExtraLine.objects.filter(order=OuterRef("pk")), "total", "order"
        ),
        lines_counted=Coalesce(
            Subquery(
                SalesOrderLine.objects.filter(order=OuterRef("pk"))
                .order_by()
                .values("order")
                .annotate(n=Sum(Value(1)))
                .values("n")
            ),
            Value(0),
        ),
    )
    report(
        "order total != sum of lines and extra lines",
        _differ(orders, F("total"), F("line_total") + F("extra_total")),
    )
    report("order line_count != its lines", _differ(orders, F("line_count"), F("lines_counted")))
    report(
        "order base total != base subtotal + base tax",
        _differ(all_orders, F("base_total"), F("base_subtotal") + F("base_tax_total")),
    )
    for name, derived in kept_line_flags().items():
        report(
            f"order {name} != what its lines say",
            all_orders.annotate(derived=derived).exclude(**{name: F("derived")}),
        )
    report(
        "pending allocation on an order that is not open",
        pending.exclude(line__order__status__in=OPEN_STATUSES),
    )
    _check_invoices(report, all_lines)
    if not scope:  # the running totals are over every order
        wrong = totals.mismatches()[:limit]
        if wrong:
            problems["dashboard running totals != the orders' (kind, day, to_ship)"] = wrong
    return problems


def _check_invoices(report, lines) -> None:
    """Invoiced quantities equal the billing invoice lines; invoice totals their lines; an
    invoice's payments what it says is paid; receivables what open invoices owe."""
    from customers.models import Customer
    from invoicing.models import Invoice, InvoiceLine, Payment

    billing = InvoiceLine.objects.filter(invoice__in=Invoice.objects.billing())
    invoiced = lines.annotate(
        billed=_sum(billing.filter(order_line=OuterRef("pk")), "quantity", "order_line")
    )
    report(
        "line invoiced_quantity != its billing invoice lines",
        _differ(invoiced, F("invoiced_quantity"), F("billed")),
    )
    report(
        "line invoiced beyond what it shipped (on shipment)",
        lines.filter(invoiced_quantity__gt=F("quantity")),
    )
    invoices = Invoice.objects.annotate(
        line_total=_sum(InvoiceLine.objects.filter(invoice=OuterRef("pk")), "total", "invoice"),
        paid=_sum(Payment.objects.active().filter(invoice=OuterRef("pk")), "amount", "invoice"),
    )
    report("invoice total != sum of its lines", _differ(invoices, F("total"), F("line_total")))
    report("invoice amount_paid != its payments", _differ(invoices, F("amount_paid"), F("paid")))
    open_invoices = Invoice.objects.open()
    customers = Customer.objects.annotate(
        owed=Coalesce(
            Subquery(
                open_invoices.filter(customer=OuterRef("pk"))
                .order_by()
                .values("customer")
                .annotate(s=Sum(F("base_total") - F("base_amount_paid")))
                .values("s"),
                output_field=QTY,
            ),
            Value(ZERO),
            output_field=QTY,
        )
    )
    report(
        "customer receivable_base != what its open invoices owe",
        _differ(customers, F("receivable_base"), F("owed")),
    )
