"""This app's part of `manage.py demo_data`: shipped, partly shipped, pending and backordered
orders, made through the shipping services like a warehouse would."""

import contextlib
import datetime

from django.utils import timezone

from salesorders.models import SalesOrder
from shipping import services
from shipping.exceptions import ShippingError

CARRIERS = ["DHL", "UPS", "DPD", "GLS", "FedEx"]


def _ship_date(order: SalesOrder, rng, today: datetime.date) -> datetime.date:
    return min(today, order.order_date + datetime.timedelta(days=rng.randint(1, 6)))


def build(ctx: dict) -> None:
    """Ship the older issued orders fully, some partly, leave some pending and the rest
    backordered; complete a few fully shipped orders. Adds `shipments` to ctx."""
    rng, users = ctx["rng"], ctx["users"]
    picker, manager = users.get("warehouse"), users.get("demo")
    today = timezone.localdate()
    known = [order.pk for order in ctx.get("orders", [])]
    issued = SalesOrder.objects.filter(status=SalesOrder.Status.ISSUED)
    if known:
        issued = issued.filter(pk__in=known)
    issued = list(issued.order_by("order_date", "pk"))
    count = len(issued)
    full, partly = issued[: count * 2 // 5], issued[count * 2 // 5 : count * 3 // 5]
    pending = issued[count * 3 // 5 : count * 4 // 5]
    shipments = []

    def ship(order, *, one_line: bool) -> None:
        shipment = services.shipment_create(order=order, user=picker, carrier=rng.choice(CARRIERS))
        line = order.lines.order_by("pk").first() if one_line else None
        result = services.order_auto_allocate(
            order=order, shipment=shipment, user=picker, line=line
        )
        shipments.append(shipment)
        if not result.allocated:
            return
        done = services.shipment_complete(
            shipment=shipment,
            user=picker,
            tracking_number=f"{shipment.carrier[:2].upper()}{rng.randint(10**9, 10**10 - 1)}",
            shipped_date=_ship_date(order, rng, today),
        )
        if rng.random() < 0.5 and done.shipped_date < today:
            services.shipment_mark_delivered(
                shipment=done,
                user=picker,
                delivery_date=min(today, done.shipped_date + datetime.timedelta(days=2)),
            )

    for order in full:
        try:
            ship(order, one_line=False)
        except ShippingError:
            continue
    for order in partly:
        try:
            ship(order, one_line=order.lines.count() > 1)
        except ShippingError:
            continue
    for order in pending:
        try:
            shipment = services.shipment_create(order=order, user=picker)
            services.order_auto_allocate(order=order, shipment=shipment, user=picker)
            shipments.append(shipment)
        except ShippingError:
            continue

    from salesorders import services as order_services
    from salesorders.exceptions import SalesOrderError

    # Service lines are delivered, not shipped: the first fully shipped order with services
    # gets them delivered (and can be completed); the others still wait for Mark Delivered.
    with_services = [order for order in full if order.lines.services().open().exists()]
    for order in with_services[:1]:
        with contextlib.suppress(SalesOrderError):
            order_services.salesorder_services_deliver(order=order, user=picker)

    # Fully shipped orders: most get completed, as a manager would.
    shipped = SalesOrder.objects.with_delivery_state().filter(
        pk__in=[order.pk for order in full], delivery_state=SalesOrder.DeliveryState.SHIPPED
    )
    for order in list(shipped)[::2]:
        try:
            order_services.salesorder_complete(order=order, user=manager)
        except SalesOrderError:
            continue
    ctx["shipments"] = shipments
