"""Reads of invoicing that span models, for the pages and the API."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from core.numbers import ZERO
from customers.models import Customer
from invoicing.models import Invoice, InvoiceSettings, invoiceable_quantity
from salesorders.models import SalesOrder, SalesOrderLine


def invoicing_policy() -> str:
    """The invoicing policy in force (InvoicingPolicy value)."""
    return InvoiceSettings.load().policy


def invoiceable_lines(order: SalesOrder) -> list[tuple[SalesOrderLine, Decimal]]:
    """The order's lines with what each may still be invoiced under the policy, in display
    order (Create Invoice's pre-filled form: lower or blank a quantity to leave it out). Two
    queries."""
    policy = invoicing_policy()
    lines = list(order.lines.order_by("sort_order", "pk"))
    for line in lines:
        line.order = order
    return [(line, invoiceable_quantity(line, policy)) for line in lines]


@dataclass(frozen=True)
class TaxBreakdown:
    """One rate's share of a document: what its lines come to net and the tax on them."""

    name: str
    percent: Decimal
    net: Decimal
    tax: Decimal
    note: str


@dataclass
class InvoiceDetail:
    invoice: Invoice
    lines: list
    payments: list
    taxes: list[TaxBreakdown]
    credit_note: Invoice | None
    credited_invoice: Invoice | None


def invoice_detail(invoice: Invoice) -> InvoiceDetail:
    """Everything the invoice page and its PDF show: lines (with revenue account), payments
    (newest last), the tax breakdown by rate (net after the order discount) and the linked
    credit note or credited invoice. A constant number of queries."""
    invoice = (
        Invoice.objects.select_related("order", "customer", "credited_invoice", "posted_by")
        .filter(pk=invoice.pk)
        .get()
    )
    lines = list(
        invoice.lines.select_related("revenue_account", "order_line").order_by("sort_order", "pk")
    )
    payments = list(invoice.payments.select_related("created_by").order_by("payment_date", "pk"))
    per_rate: dict[tuple, list] = {}
    for line in lines:
        key = (line.tax_name, line.tax_percent, line.tax_note)
        net, tax = per_rate.get(key, (ZERO, ZERO))
        per_rate[key] = (net + line.subtotal - line.order_discount, tax + line.tax_amount)
    taxes = [
        TaxBreakdown(name=name, percent=percent, net=net, tax=tax, note=note)
        for (name, percent, note), (net, tax) in sorted(
            per_rate.items(), key=lambda item: -item[0][1]
        )
    ]
    credit_note = Invoice.objects.filter(credited_invoice=invoice).first()
    return InvoiceDetail(
        invoice=invoice,
        lines=lines,
        payments=payments,
        taxes=taxes,
        credit_note=credit_note,
        credited_invoice=invoice.credited_invoice,
    )


@dataclass
class CustomerInvoices:
    invoices: list[Invoice]
    open_balance: Decimal  # what the customer's posted invoices still owe, base currency
    overdue_balance: Decimal
    open_count: int


def customer_invoices(customer: Customer, *, limit: int = 50) -> CustomerInvoices:
    """The customer's latest invoices and credit notes (at most `limit`) and their open and
    overdue balance in the base currency. Two queries."""
    from django.utils import timezone

    invoices = list(
        Invoice.objects.filter(customer=customer)
        .select_related("order")
        .order_by("-invoice_date", "-pk")[:limit]
    )
    today = timezone.localdate()
    open_amount = Sum("base_total") - Sum("base_amount_paid")
    sums = (
        Invoice.objects.filter(customer=customer)
        .open()
        .aggregate(
            open_balance=Coalesce(open_amount, ZERO),
            overdue_balance=Coalesce(
                Sum("base_total", filter=Q(due_date__lt=today))
                - Sum("base_amount_paid", filter=Q(due_date__lt=today)),
                ZERO,
            ),
            open_count=Count("pk"),
        )
    )
    return CustomerInvoices(invoices=invoices, **sums)


def order_invoices(order: SalesOrder) -> list[Invoice]:
    """The order's invoices and credit notes, oldest first (the order page's section)."""
    return list(order.invoices.order_by("created_at", "pk"))


def invoice_print_context(invoice) -> dict:
    """What the printed invoice (print view, PDF, the emailed PDF) shows besides the page's
    document context: the company and the payment details."""
    from django.conf import settings

    from invoicing.models import InvoiceSettings

    return {
        "payment_details": InvoiceSettings.load().payment_details or settings.PAYMENT_DETAILS,
        "company": {
            "name": settings.COMPANY_NAME,
            "address": settings.COMPANY_ADDRESS,
            "vat_number": settings.COMPANY_VAT_NUMBER,
        },
    }


def invoice_document_context(invoice) -> dict:
    """What the invoice page, its print view and its PDF show, from invoice_detail."""
    detail = invoice_detail(invoice)
    return {
        "lines": detail.lines,
        "tax_breakdown": detail.taxes,
        "payments": detail.payments,
        "credit_note": detail.credit_note,
        "tax_notes": list(dict.fromkeys(row.note for row in detail.taxes if row.note)),
        "is_overdue": invoice.is_overdue(),
    }
