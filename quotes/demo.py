"""This app's part of `manage.py demo_data`: a few quotes, made through the services."""

import datetime

from django.utils import timezone

from customers.models import Customer
from inventory.models import Part
from quotes import services


def build(ctx: dict) -> None:
    """Three quotes: one Sent (valid for a fortnight more), one made into an order, one still
    a Draft. Puts ctx["quotes"]."""
    rng, users = ctx["rng"], ctx["users"]
    seller = users.get("sales")
    customers = [c for c in ctx.get("customers") or Customer.objects.all() if c.active]
    parts = [p for p in ctx.get("parts") or Part.objects.all() if p.active and p.salable]
    if not customers or len(parts) < 3:
        ctx["quotes"] = []
        return
    today = timezone.localdate()
    quotes = []
    for index, (age, note) in enumerate(
        [
            (16, "Annual framework offer; prices held for 30 days."),
            (5, "Follow-up to the call of last week."),
            (0, ""),
        ]
    ):
        quote = services.quote_create(
            customer=customers[index % len(customers)],
            user=seller,
            quote_date=today - datetime.timedelta(days=age),
            customer_reference=f"RFQ-{rng.randint(1000, 9999)}",
            notes=note,
        )
        for part in rng.sample(parts, 3):
            services.quote_line_add(
                quote=quote,
                part=part,
                quantity=rng.choice([1, 2, 5, 10, 25]),
                discount_percent=rng.choice([0, 0, 5]),
                user=seller,
            )
        quotes.append(quote)
    services.quote_send(quote=quotes[0], user=seller)
    services.quote_send(quote=quotes[1], user=seller)
    services.quote_make_order(quote=quotes[1], user=seller)
    ctx["quotes"] = quotes
