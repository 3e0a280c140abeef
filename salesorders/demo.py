"""This app's part of `manage.py demo_data`: orders in every state, made through the services."""

import contextlib
import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

import approvals.demo
from core.models import Attachment
from customers import services as customers_services
from customers.models import Customer
from inventory.models import Part
from salesorders import services
from salesorders.exceptions import SalesOrderError
from salesorders.models import CreditPolicy, PartRevenueAccount, SalesOrder, SalesOrderSettings

ORDER_COUNT = 60
PO_PREFIXES = ["PO", "4500", "ORD", "REQ"]
HOLD_REASONS = ["Awaiting prepayment", "Credit limit check", "Customer asked to wait"]
CANCEL_REASONS = ["Customer withdrew the order", "Duplicate order", "Project postponed"]


def build(ctx: dict) -> None:
    """Create ~60 orders: most Issued (shipping ships and completes some of them), some
    Pending, On Hold and Cancelled, with target dates around today. Puts ctx["orders"]."""
    rng, users = ctx["rng"], ctx["users"]
    seller, manager = users.get("sales"), users.get("demo")
    # The history of orders before approvals existed: over a limit they were warned, not
    # stopped (build_approvals sets the default policy and the rules afterwards).
    services.settings_credit_policy_set(policy=CreditPolicy.WARN, user=manager)
    customers = [c for c in ctx.get("customers") or Customer.objects.all() if c.active]
    parts = [p for p in ctx.get("parts") or Part.objects.all() if p.active and p.salable]
    if not customers or not parts:
        ctx["orders"] = []
        return
    parts = list(Part.objects.filter(pk__in=[p.pk for p in parts]).prefetch_related("price_breaks"))
    _revenue_accounts(ctx, parts)
    dimensions = ctx.get("dimensions") or {}
    today = timezone.localdate()
    orders = []
    for index in range(ORDER_COUNT):
        customer = rng.choice(customers)
        order_date = today - datetime.timedelta(days=rng.randint(0, 60))
        # Mostly due in the coming weeks, a few already late: what an ordinary week looks like.
        target = max(
            order_date + datetime.timedelta(days=3),
            today + datetime.timedelta(days=rng.randint(-10, 40)),
        )
        order = services.salesorder_create(
            customer=customer,
            user=seller,
            customer_reference=f"{rng.choice(PO_PREFIXES)}-{rng.randint(10000, 99999)}",
            order_date=order_date,
            target_date=target,
            requested_delivery_date=target + datetime.timedelta(days=rng.randint(1, 5)),
            salesperson=seller,
            priority=rng.choice([0, 0, 0, 1, 2]),
        )
        for part in rng.sample(parts, k=min(len(parts), rng.randint(1, 5))):
            breaks = list(part.price_breaks.all())
            if breaks and rng.random() < 0.4:
                quantity = rng.choice(breaks).min_quantity + rng.randint(0, 10)
            else:
                quantity = Decimal(rng.randint(1, 12))
            services.salesorder_line_add(
                order=order,
                part=part,
                quantity=quantity,
                discount_percent=rng.choice([0, 0, 0, 5, 10]),
                dimension_values=_dimension_values(dimensions, index),
                user=seller,
            )
        _add_service(order, index, parts, rng, seller)
        if rng.random() < 0.5:
            services.salesorder_extra_line_add(
                order=order,
                description="Shipping",
                unit_price=rng.choice([9, 15, 25]),
                revenue_account=(ctx.get("accounts") or {}).get("4200", services.UNSET),
                user=seller,
            )
        order.refresh_from_db()
        if rng.random() < 0.1 and order.total > 50:
            services.salesorder_extra_line_add(
                order=order, description="Loyalty rebate", unit_price=-10, user=seller
            )
        if index % 10 == 4 and order.lines_subtotal > 100:
            services.salesorder_update(order=order, user=seller, discount_percent=Decimal("3"))
        _set_state(order, index, rng, seller, manager)
        orders.append(order)
    _attach_customer_po(orders[0], seller)
    ctx["orders"] = orders


def _attach_customer_po(order, seller) -> None:
    """The first order carries its customer's PO as a small generated PDF."""
    order.refresh_from_db()
    content = sample_po_pdf(f"Purchase order {order.customer_reference} for {order.reference}")
    services.salesorder_attachment_add(
        order=order,
        uploaded_file=ContentFile(content, name=f"{order.customer_reference}.pdf"),
        category=Attachment.Category.CUSTOMER_PO,
        user=seller,
    )


def sample_po_pdf(text: str) -> bytes:
    """A one-page PDF that says `text` (ASCII), with a correct cross-reference table."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"").replace(b"(", b"[")
    safe = safe.replace(b")", b"]")
    stream = b"BT /F1 14 Tf 50 780 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _revenue_accounts(ctx: dict, parts) -> None:
    """Goods book to 4000 Sales - goods, services to 4100 Sales - services; 4000 is also the
    default of parts without one."""
    accounts = ctx.get("accounts") or {}
    goods, service = accounts.get("4000"), accounts.get("4100")
    if goods is None or service is None:
        return
    PartRevenueAccount.objects.bulk_create(
        PartRevenueAccount(part=part, account=service if part.is_service else goods)
        for part in parts
    )
    services.settings_update(
        reference_pattern=SalesOrderSettings.load().reference_pattern,
        default_revenue_account=goods,
        user=None,
    )


def _dimension_values(dimensions: dict, index: int) -> list:
    """A department on most orders' lines and a region on every third (without drawing on the
    demo's random numbers, so the orders stay what they were)."""
    chosen = []
    if dimensions.get("Department") and index % 4:
        chosen.append(dimensions["Department"][index % len(dimensions["Department"])])
    if dimensions.get("Region") and index % 3 == 0:
        chosen.append(dimensions["Region"][index % len(dimensions["Region"])])
    return chosen


def _add_service(order, index: int, parts, rng, seller) -> None:
    """Every 10 orders, one gets installation hours and one a calibration certificate (if the
    random lines did not bring them already): service lines, delivered rather than shipped."""
    sku = {4: "SRV-INST-H", 6: "SRV-CAL"}.get(index % 10)
    service = next((p for p in parts if p.sku == sku and p.is_service), None)
    if service is None or order.lines.filter(part=service).exists():
        return
    quantity = Decimal(rng.choice([2, 4, 6])) + rng.choice([Decimal("0"), Decimal("0.5")])
    if service.unit == Part.Unit.PIECES:
        quantity = Decimal(1)
    services.salesorder_line_add(order=order, part=service, quantity=quantity, user=seller)


def _set_state(order, index: int, rng, seller, manager) -> None:
    """Every 10 orders: 1 Pending, 1 On Hold, 1 Cancelled, 7 Issued (shipping takes those)."""
    slot = index % 10
    try:
        if slot == 0:
            return
        if slot == 1:
            services.salesorder_hold(order=order, reason=rng.choice(HOLD_REASONS), user=seller)
            return
        if slot == 2:
            services.salesorder_cancel(order=order, reason=rng.choice(CANCEL_REASONS), user=manager)
            return
        services.salesorder_issue(order=order, user=seller, credit_acknowledged=True)
    except SalesOrderError:
        return  # leave it as it is: a demo order in another state is still a demo order


def build_approvals(ctx: dict) -> None:
    """After the orders and shipments: a customer close to its credit limit (an issued order
    takes 90% of it), the credit policy Credit Control starts with (require approval), the
    approval rules, and an order of that customer waiting for approval (new customer, over
    the limit). Puts ctx["pending_approval"]."""
    users = ctx["users"]
    seller = users.get("sales")
    parts = list(Part.objects.filter(active=True, salable=True, kind="stock")[:2])
    if not parts:
        return
    customer = customers_services.customer_create(
        name="Brightline Installations", currency="EUR", user=seller
    )
    first = services.salesorder_create(customer=customer, user=seller, salesperson=seller)
    services.salesorder_line_add(order=first, part=parts[0], quantity=20, user=seller)
    services.salesorder_issue(order=first, user=seller)
    first.refresh_from_db()
    limit = (first.base_total / Decimal("0.9")).quantize(Decimal("1"))
    customers_services.customer_update(customer=customer, credit_limit=limit, user=seller)
    services.settings_credit_policy_set(policy=CreditPolicy.REQUIRE_APPROVAL, user=users["demo"])
    approvals.demo.build(ctx, document=ContentType.objects.get_for_model(SalesOrder))
    waiting = services.salesorder_create(customer=customer, user=seller, salesperson=seller)
    services.salesorder_line_add(order=waiting, part=parts[-1], quantity=10, user=seller)
    with contextlib.suppress(SalesOrderError):  # a demo order left Pending is still one
        services.salesorder_submit(order=waiting, user=seller, credit_acknowledged=True)
    ctx["pending_approval"] = waiting
