"""Template helpers of the sales-order pages, and the customer page's orders card."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from salesorders.models import OPEN_STATUSES, SalesOrder

register = template.Library()
CUSTOMER_ORDERS_LIMIT = 10


@register.inclusion_tag("salesorders/partials/customer_orders_card.html", takes_context=True)
def customer_orders(context, customer) -> dict:
    """The customer's latest orders and open count/value: three queries."""
    orders = list(
        SalesOrder.objects.filter(customer=customer)
        .with_delivery_state()
        .order_by("-order_date", "-reference_number")[:CUSTOMER_ORDERS_LIMIT]
    )
    summary = SalesOrder.objects.filter(customer=customer).aggregate(
        count=Count("pk"),
        open_count=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        open_value=Coalesce(Sum("total", filter=Q(status__in=OPEN_STATUSES)), Decimal("0")),
    )
    list_url = reverse("salesorders:list") + "?" + urlencode({"customer": customer.code})
    return {
        "perms": context.get("perms"),
        "customer": customer,
        "orders": orders,
        "summary": summary,
        "today": timezone.localdate(),
        "list_url": list_url,
        "open_url": list_url + "".join(f"&status={s}" for s in OPEN_STATUSES),
        "new_url": reverse("salesorders:create") + f"?customer={customer.pk}",
    }


def dashboard_figures(today: datetime.date | None = None) -> dict:
    """Counts and values of open, overdue and due-this-week orders, per currency: one query.

    "Due this week" is open orders with a target date from today to today + 6 days.
    """
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6)
    overdue = Q(target_date__lt=today)
    due = Q(target_date__gte=today, target_date__lte=week_end)
    rows = list(
        SalesOrder.objects.open()
        .order_by()
        .values("currency")
        .annotate(
            open_count=Count("pk"),
            open_value=Sum("total"),
            overdue_count=Count("pk", filter=overdue),
            overdue_value=Coalesce(Sum("total", filter=overdue), Decimal("0")),
            due_count=Count("pk", filter=due),
            due_value=Coalesce(Sum("total", filter=due), Decimal("0")),
        )
        .order_by("currency")
    )
    base = reverse("salesorders:list") + "?" + "&".join(f"status={s}" for s in OPEN_STATUSES)
    return {
        "today": today,
        "week_end": week_end,
        "rows": rows,
        "open_count": sum(r["open_count"] for r in rows),
        "overdue_count": sum(r["overdue_count"] for r in rows),
        "due_this_week_count": sum(r["due_count"] for r in rows),
        "open_url": base,
        "overdue_url": reverse("salesorders:list") + "?overdue=true",
        "due_url": f"{base}&target_date_after={today.isoformat()}"
        f"&target_date_before={week_end.isoformat()}",
    }
