"""Sales orders as documents of approvals' Approvals page (registered in the app's ready())."""

from collections import defaultdict

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounting.models import base_currency
from approvals.registry import DocumentSummary
from core.numbers import ZERO, format_amount, format_money
from salesorders.models import CREDIT_STATUSES, SalesOrder


def salesorder_summaries(object_ids: list[int]) -> dict[int, DocumentSummary]:
    """The orders `object_ids` as the Approvals page shows them: reference, customer, total
    in the base currency and each customer's credit position. Two queries for any number."""
    orders = list(SalesOrder.objects.filter(pk__in=object_ids).select_related("customer"))
    customers = {order.customer_id for order in orders}
    exposure = defaultdict(lambda: ZERO)
    rows = (
        SalesOrder.objects.filter(customer_id__in=customers, status__in=CREDIT_STATUSES)
        .order_by()
        .values("customer_id")
        .annotate(value=Coalesce(Sum(F("base_total") - F("invoiced_base_total")), ZERO))
        .annotate(n=Count("pk"))
    )
    for row in rows:
        exposure[row["customer_id"]] = row["value"]
    currency = base_currency()
    summaries = {}
    for order in orders:
        customer = order.customer
        total = exposure[customer.pk] + (customer.receivable_base or ZERO)
        if customer.credit_limit is None:
            notes = [f"Exposure {format_money(total, currency)}; no credit limit."]
        else:
            over = total - customer.credit_limit
            limit = format_money(customer.credit_limit, currency)
            notes = [f"Limit {limit}, exposure {format_amount(total, currency)}."]
            notes.append(
                f"{format_money(over, currency)} over the limit."
                if over > 0
                else f"{format_money(-over, currency)} available."
            )
        summaries[order.pk] = DocumentSummary(
            title=order.reference,
            url=order.get_absolute_url(),
            party=order.customer_name,
            amount=format_money(order.base_total, currency),
            total=order.base_total,
            currency=currency,
            version=order.version,
            notes=notes,
            approve_url=reverse("salesorders:approve", args=[order.pk]),
            reject_url=reverse("salesorders:reject", args=[order.pk]),
        )
    return summaries
