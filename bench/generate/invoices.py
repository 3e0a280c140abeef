"""Invoices and payments for shipped orders, from invoicing's own snapshot constructor and
amount rule (`InvoiceLine.from_order_line`, `invoicing.services.line_amounts`).

Each complete order, and each open order with a shipped first shipment, gets one posted
invoice for what was shipped, dated its ship day at the rate of that day, with the order's
extra lines; the lines' invoiced quantities and the order's invoiced base total follow. Most
invoices older than their terms are paid in full (Paid); the rest stay open and add up, per
customer, to the customer's open receivable (written at the end, one statement).
"""

from __future__ import annotations

import datetime as dt

from bench.generate.run import Run
from core.currency import in_base
from core.db import add_to_counters
from core.numbers import ZERO
from customers.models import Customer, due_date
from invoicing.models import Invoice, InvoiceLine, InvoiceSettings, Payment, PaymentMethod
from invoicing.services import line_amounts
from salesorders.numbering import format_reference

PAID_SHARE = 0.8


def build_invoice(run: Run, order, lines: list, extras: list, day: dt.date, when) -> None:
    """One posted invoice of `order` for the lines' shipped, not yet invoiced quantities."""
    billing = [line for line in lines if line.shipped_quantity > line.invoiced_quantity]
    if not billing:
        return
    w, rng = run.writer, run.rng
    quote = run.rate_of(order.currency, day)
    run.invoice_number = getattr(run, "invoice_number", 0) + 1
    invoice = w.add(
        Invoice,
        number=format_reference(run.invoice_pattern, run.invoice_number, day),
        number_seq=run.invoice_number,
        status=Invoice.Status.POSTED,
        order_id=order.id,
        customer_id=order.customer_id,
        customer_name=order.customer_name,
        bill_to=order.bill_to,
        customer_tax_number=order.customer_tax_number,
        customer_reference=order.customer_reference,
        tax_treatment=order.tax_treatment,
        tax_country=order.tax_country,
        invoice_date=day,
        due_date=due_date(order.payment_terms_kind, order.payment_terms_days, day),
        payment_terms_kind=order.payment_terms_kind,
        payment_terms_days=order.payment_terms_days,
        currency=order.currency,
        currency_rate=quote.rate,
        currency_rate_date=quote.date,
        created_at=when,
        created_by_id=order.created_by_id,
        posted_at=when,
        posted_by_id=order.created_by_id,
    )
    new = []
    for line in billing:
        item = InvoiceLine.from_order_line(
            invoice=invoice,
            order_line=line,
            quantity=line.shipped_quantity - line.invoiced_quantity,
        )
        line_amounts(item, prices_include_tax=order.prices_include_tax, order_line=line)
        line.invoiced_quantity += item.quantity
        new.append(w.keep(item))
    new += [w.keep(InvoiceLine.from_extra_line(invoice=invoice, extra_line=e)) for e in extras]
    invoice.lines_subtotal = sum((x.subtotal for x in new), ZERO)
    invoice.discount_total = sum((x.order_discount for x in new), ZERO)
    invoice.subtotal = invoice.lines_subtotal - invoice.discount_total
    invoice.tax_total = sum((x.tax_amount for x in new), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_total
    invoice.line_count = len(new)
    invoice.base_subtotal = in_base(invoice.subtotal, invoice.currency_rate)
    invoice.base_tax_total = in_base(invoice.tax_total, invoice.currency_rate)
    invoice.base_total = invoice.base_subtotal + invoice.base_tax_total
    invoice.order_base_amount = in_base(invoice.subtotal, order.currency_rate) + in_base(
        invoice.tax_total, order.currency_rate
    )
    order.invoiced_base_total = (order.invoiced_base_total or ZERO) + invoice.order_base_amount
    run.counts["invoices"] += 1
    paid_day = invoice.due_date - dt.timedelta(days=rng.randint(0, 20))
    if paid_day <= run.today and rng.random() < PAID_SHARE and invoice.total > 0:
        paid_day = max(paid_day, day)
        w.add(
            Payment,
            invoice_id=invoice.id,
            payment_date=paid_day,
            amount=invoice.total,
            base_amount=invoice.base_total,
            method=rng.choice(PaymentMethod.values),
            reference=f"BANK-{invoice.number_seq:07d}",
            created_at=run.at(paid_day),
            created_by_id=order.created_by_id,
        )
        invoice.amount_paid, invoice.base_amount_paid = invoice.total, invoice.base_total
        invoice.status = Invoice.Status.PAID
        run.counts["payments"] += 1
    else:
        run.receivables[order.customer_id] = (
            run.receivables.get(order.customer_id, ZERO) + invoice.base_total
        )


def start(run: Run) -> None:
    """Before the orders: the numbering pattern, the number to continue from."""
    settings_row = InvoiceSettings.load()
    run.invoice_pattern = settings_row.invoice_pattern
    run.invoice_number = settings_row.last_invoice_number
    run.receivables = {}


def finish(run: Run) -> None:
    """After the orders are written: the numbering continues after the last invoice, and each
    customer's open receivable is what its open invoices come to."""
    InvoiceSettings.objects.filter(pk=1).update(last_invoice_number=run.invoice_number)
    add_to_counters(Customer, {"receivable_base": dict(run.receivables)})
