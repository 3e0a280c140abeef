"""This app's part of `manage.py demo_data`: invoices for shipped orders, payments (one in
full, one in part), a credit note and a draft, made through the services as Accounts would."""

import contextlib

from django.db.models import Exists, F, OuterRef

from core.exceptions import DomainError
from invoicing import services
from invoicing.models import PaymentMethod
from salesorders.models import SalesOrder, SalesOrderLine


def build(ctx: dict) -> None:
    """Invoice the orders with shipped goods not yet invoiced: most posted, the last one left
    a draft; pay the first in full and the second in part; void the third with a credit note.
    Adds `invoices` to ctx."""
    users = ctx["users"]
    clerk = users.get("accounts") or users.get("demo")
    to_bill = SalesOrderLine.objects.filter(
        order=OuterRef("pk"), shipped_quantity__gt=F("invoiced_quantity")
    )
    orders = SalesOrder.objects.exclude(status=SalesOrder.Status.CANCELLED).filter(Exists(to_bill))
    known = [order.pk for order in ctx.get("orders", [])]
    if known:
        orders = orders.filter(pk__in=known)
    orders = list(orders.order_by("order_date", "pk"))
    invoices = []
    for order in orders:
        with contextlib.suppress(DomainError):
            invoices.append(services.invoice_create_from_order(order=order, user=clerk))
    posted = []
    for invoice in invoices[:-1] if len(invoices) > 1 else invoices:
        with contextlib.suppress(DomainError):
            posted.append(services.invoice_post(invoice=invoice, user=clerk))
    if posted:
        first = posted[0]
        services.payment_record(
            invoice=first,
            amount=first.total,
            payment_date=first.invoice_date,
            method=PaymentMethod.BANK_TRANSFER,
            reference="Bank statement 2026/01",
            user=clerk,
        )
    if len(posted) > 1 and posted[1].total >= 2:
        second = posted[1]
        services.payment_record(
            invoice=second,
            amount=(second.total / 2).quantize(second.total),
            payment_date=second.invoice_date,
            method=PaymentMethod.CARD,
            reference="Part payment",
            user=clerk,
        )
    if len(posted) > 2:
        services.invoice_void(
            invoice=posted[2], reason="Billed to the wrong address; re-invoiced.", user=clerk
        )
        with contextlib.suppress(DomainError):
            again = services.invoice_create_from_order(order=posted[2].order, user=clerk)
            services.invoice_post(invoice=again, user=clerk)
    ctx["invoices"] = invoices
