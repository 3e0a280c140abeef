"""Salespeople and sales orders in every state: lines, extra lines, lifecycle and history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.base import ModelState

from accounting.models import base_currency
from accounting.selectors import TREATMENT_DEFAULTS, TaxCharge
from bench.generate import invoices, shipping
from bench.generate.run import USER_PREFIX, Run
from bench.generate.words import FIRST_NAMES, HOLD_REASONS, LAST_NAMES, QUANTITIES
from core.currency import from_base_unit_price, in_base
from core.numbers import ZERO, gross_line_amounts
from inventory.pricing import suggest_unit_price
from salesorders.models import (
    UNSET,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderSettings,
    apply_tax,
    line_flags_of,
)
from salesorders.numbering import format_reference
from shipping.models import Shipment

# Markers (customer PO numbers) of the orders the benchmark looks for.
MARK_LARGE = "G-LARGE-{n}"
MARK_AUTO = "G-AUTO-100"
MARK_SHIP = "G-SHIP-300"
MARK_TEN = "G-TEN-PENDING"

S = SalesOrder.Status
Kind = SalesOrderEvent.Kind
PARTIAL_UNITS = ("kg", "m", "l")  # units ordered in halves now and then
EXTRA_CHARGE = Decimal("12.5")


def build_salespeople(run: Run) -> None:
    """`run.salespeople`: five new users in the Sales group, who cannot log in."""
    User = get_user_model()
    start = User.objects.filter(username__startswith=USER_PREFIX).count()
    group = Group.objects.filter(name="Sales").first()
    run.salespeople = []
    for n in range(start + 1, start + 6):
        first, last = run.rng.choice(FIRST_NAMES), run.rng.choice(LAST_NAMES)
        user = User.objects.create_user(  # no password: an unusable one
            username=f"{USER_PREFIX}sales-{n}",
            first_name=first,
            last_name=last,
            email=f"{USER_PREFIX}sales-{n}@example.com",
        )
        if group:
            user.groups.add(group)
        run.salespeople.append(user.pk)


def plan_orders(run: Run) -> list[dict]:
    """Decide, in time order, each order's date, customer, status, size and marker."""
    rng, n = run.rng, run.n_orders
    first_day = run.today - dt.timedelta(days=3 * 365)
    span = (run.today - first_day).days
    dates = sorted(first_day + dt.timedelta(days=int(rng.random() * (span + 1))) for _ in range(n))
    open_target = round(n * run.open_share)
    window = min(n, int(open_target * 1.1))
    plans = []
    for i, day in enumerate(dates):
        recent = i >= n - window
        roll = rng.random()
        if recent and roll < 0.9:
            sub = rng.random()
            status = S.PENDING if sub < 0.25 else S.ON_HOLD if sub < 0.33 else S.ISSUED
        elif not recent and roll < 0.004:
            status = S.ISSUED  # long-overdue backorders
        else:
            status = S.CANCELLED if rng.random() < 0.08 else S.COMPLETE
        size = max(1, round(rng.triangular(1, 2 * run.mean_lines - 1, run.mean_lines)))
        plans.append({"date": day, "status": status, "size": size, "mark": ""})
    # The customer with thousands of orders; everyone else at random.
    big = min(2000, n // 10)
    big_positions = set(rng.sample(range(n), big)) if big else set()
    others = run.customers[1:] or run.customers
    for i, plan in enumerate(plans):
        plan["customer"] = run.customers[0] if i in big_positions else rng.choice(others)
    # Orders the benchmark looks for, among the most recent ones.
    statuses = (S.PENDING, S.ISSUED, S.COMPLETE)
    special = [(MARK_LARGE.format(n=k + 1), statuses[k % 3], 1000) for k in range(run.n_large)]
    special += [
        (MARK_AUTO, S.ISSUED, 100),
        (MARK_SHIP, S.ISSUED, 300),
        (MARK_TEN, S.PENDING, 10),
    ]
    usable = len(run.parts)
    for offset, (mark, status, size) in enumerate(special[:n]):
        plan = plans[n - 1 - offset * 7 if n > len(special) * 7 else n - 1 - offset]
        # Leave a few parts off even the largest order, so a line can always be added.
        plan.update(mark=mark, status=status, size=max(1, min(size, usable - 5)))
        if plan["customer"] is run.customers[0] and len(run.customers) > 1:
            plan["customer"] = run.customers[1]
    return plans


class LineRows:
    """Lines as `SalesOrderLine.from_part` builds them, remembered per part, quantity,
    discount and price.

    Two such lines differ only in their order, key and position, and from_part costs more than
    the rest of a generated line's work together: from_part builds the first line of each kind
    and later ones start from its column values (put in the instance's dict: Model.__init__
    cost as much again).
    """

    def __init__(self):
        self.fields = [f.attname for f in SalesOrderLine._meta.concrete_fields]
        self.rows: dict[tuple, list] = {}

    def line(self, *, order, part, quantity, unit_price, discount_percent, sort_order):
        """The line as from_part builds it in the base currency, for a domestic customer;
        on an order in another currency or abroad, its price converted at the order's rate
        (as salesorders.services prices it without a price list) and its tax as the
        treatment's default charges it."""
        key = (part.id, quantity, discount_percent, unit_price, order.tax_treatment)
        row = self.rows.get(key)
        if row is None:
            charge = TREATMENT_DEFAULTS.get(order.tax_treatment)
            built = SalesOrderLine.from_part(
                order=order,
                part=part,
                quantity=quantity,
                unit_price=unit_price,
                discount_percent=discount_percent,
                tax_rate=TaxCharge(None, charge[0], ZERO, note=charge[1]) if charge else UNSET,
            )
            row = self.rows[key] = [getattr(built, name) for name in self.fields]
        line = SalesOrderLine.__new__(SalesOrderLine)  # SalesOrderLine(*row), minus __init__
        state = line.__dict__
        state.update(zip(self.fields, row, strict=True))
        state["_state"] = ModelState()
        line.order_id, line.sort_order = order.id, sort_order
        line.part = part  # shipments read it
        if order.currency_rate != 1 and line.price_source != SalesOrderLine.PriceSource.MANUAL:
            line.unit_price = from_base_unit_price(line.unit_price, order.currency_rate)
            line.price_source = SalesOrderLine.PriceSource.CONVERSION
            line.price_source_label += f", converted from {base_currency()}"
            line.subtotal, line.order_discount, line.tax_amount, line.total = gross_line_amounts(
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                tax_percent=line.tax_percent,
            )
        return line


def build_lines(run: Run, order: SalesOrder, size: int) -> list[SalesOrderLine]:
    """`size` lines of different parts, priced by the parts' price breaks; a few with a manual
    price or a discount."""
    rng, lines = run.rng, []
    for position, part in enumerate(rng.sample(run.parts, size), start=1):
        quantity = Decimal(rng.choice(QUANTITIES))
        if part.unit in PARTIAL_UNITS and rng.random() < 0.5:
            quantity += Decimal("0.5")
        manual_price = None
        if rng.random() < 0.02:
            suggested = suggest_unit_price(part, quantity).unit_price
            if order.currency_rate != 1:
                suggested = from_base_unit_price(suggested, order.currency_rate)
            manual_price = (suggested * Decimal("0.9")).quantize(Decimal("0.0001"))
        discount = ZERO if rng.random() < 0.85 else Decimal(rng.choice([5, 10, 15]))
        line = run.line_rows.line(
            order=order,
            part=part,
            quantity=quantity,
            unit_price=manual_price,
            discount_percent=discount,
            sort_order=position,
        )
        lines.append(run.writer.keep(line))
    return lines


def build_extra_line(run: Run, order: SalesOrder) -> SalesOrderExtraLine:
    """A shipping-and-handling charge at the standard tax rate."""
    extra = SalesOrderExtraLine(
        order=order, description="Shipping and handling", quantity=1, unit_price=EXTRA_CHARGE
    )
    charge = TREATMENT_DEFAULTS.get(order.tax_treatment)
    if charge:
        apply_tax(extra, TaxCharge(None, charge[0], ZERO, note=charge[1]), overridden=False)
    else:
        apply_tax(extra, run.taxes[0], overridden=False)
    extra.subtotal, _discount, extra.tax_amount, extra.total = gross_line_amounts(
        quantity=extra.quantity,
        unit_price=extra.unit_price,
        discount_percent=ZERO,
        tax_percent=extra.tax_percent,
    )
    return run.writer.keep(extra)


def build_order(run: Run, plan: dict, number: int, pattern: str) -> None:
    rng, w = run.rng, run.writer
    customer = plan["customer"]
    status, day, mark = plan["status"], plan["date"], plan["mark"]
    created = run.at(day)
    target = day + dt.timedelta(days=rng.randint(5, 40))
    if status in (S.COMPLETE, S.CANCELLED) and rng.random() < 0.1:
        target = None
    salesperson = rng.choice(run.salespeople)
    quote = run.rate_of(customer.currency, day)
    order = w.add(
        SalesOrder,
        reference=format_reference(pattern, number, day),
        reference_number=number,
        customer_id=customer.id,
        customer_name=customer.name,
        customer_reference=mark or f"PO-{rng.randint(10000, 999999)}",
        description="Large order" if mark.startswith("G-LARGE") else "",
        status=status,
        order_date=day,
        target_date=target,
        currency=customer.currency,
        currency_rate=quote.rate,
        currency_rate_source=quote.source,
        currency_rate_date=quote.date,
        tax_treatment=customer.tax_treatment,
        tax_country=customer.country,
        customer_tax_number=customer.tax_number,
        payment_terms_days=30,
        ship_to=customer.address,
        bill_to=customer.address,
        contact_id=customer.contact_id,
        salesperson_id=salesperson,
        priority=rng.choice([0, 0, 0, 0, 1, 2, 5]),
        created_at=created,
        created_by_id=salesperson,
        updated_at=created,
        updated_by_id=salesperson,
    )
    events = [(created, Kind.CREATED, f"Order {order.reference} created.")]

    lines = build_lines(run, order, plan["size"])
    amounts = [(line.subtotal, line.tax_amount) for line in lines]
    order.lines_subtotal = sum((subtotal for subtotal, _tax in amounts), ZERO)
    extras = []
    if rng.random() < 0.15 and not mark:
        extra = build_extra_line(run, order)
        extras.append(extra)
        order.extras_subtotal = extra.subtotal
        amounts.append((extra.subtotal, extra.tax_amount))
    order.subtotal = sum((subtotal for subtotal, _tax in amounts), ZERO)
    order.tax_total = sum((tax for _subtotal, tax in amounts), ZERO)
    order.total, order.line_count = order.subtotal + order.tax_total, len(lines)
    order.base_subtotal = in_base(order.subtotal, order.currency_rate)
    order.base_tax_total = in_base(order.tax_total, order.currency_rate)
    order.base_total = order.base_subtotal + order.base_tax_total

    # Lifecycle, shipments and allocations.
    was_issued = status not in (S.PENDING, S.CANCELLED) or rng.random() < 0.5
    if status != S.PENDING and was_issued:
        order.issued_at = run.at(day + dt.timedelta(days=rng.randint(0, 2)))
        order.issued_by_id = salesperson
        events.append((order.issued_at, Kind.ISSUED, "Order issued."))
    ship_day = min(run.today, day + dt.timedelta(days=rng.randint(2, 20)))
    address = customer.address
    if status == S.COMPLETE:
        split = len(lines) > 1 and rng.random() < 0.3
        halves = [lines[: len(lines) // 2], lines[len(lines) // 2 :]] if split else [lines]
        for k, part_lines in enumerate(halves, start=1):
            old = (run.today - ship_day).days > 14
            shipped = Shipment.Status.DELIVERED if old else Shipment.Status.SHIPPED
            shipment, when = shipping.new_shipment(run, order, k, shipped, ship_day, address)
            shipping.ship(run, order, shipment, part_lines, when)
            events.append((when, Kind.SHIPMENT_SHIPPED, f"Shipment {k} shipped."))
        invoices.build_invoice(run, order, lines, extras, ship_day, when)
        events.append((when, Kind.INVOICE_POSTED, "Invoice posted."))
        for line in lines:  # what stock could not cover was cancelled
            line.cancelled_quantity = line.remaining_quantity
        order.completed_at = run.at(min(run.today, ship_day + dt.timedelta(days=1)))
        order.completed_by_id = salesperson
        events.append((order.completed_at, Kind.COMPLETED, "Order completed."))
    elif status == S.CANCELLED:
        for line in lines:  # cancelling cancels what was left to ship
            line.cancelled_quantity = line.remaining_quantity
        order.cancelled_at = run.at(min(run.today, day + dt.timedelta(days=rng.randint(0, 5))))
        order.cancelled_by_id = salesperson
        events.append((order.cancelled_at, Kind.CANCELLED, "Order cancelled."))
    elif status in (S.ISSUED, S.ON_HOLD) and not mark:
        roll = rng.random()
        shipped_first = roll >= 0.6 if status == S.ISSUED else roll >= 0.7
        number = 1
        if shipped_first:
            shipment, when = shipping.new_shipment(
                run, order, 1, Shipment.Status.SHIPPED, ship_day, address
            )
            shipping.ship(run, order, shipment, lines[: max(1, len(lines) // 2)], when)
            events.append((when, Kind.SHIPMENT_SHIPPED, "Shipment 1 shipped."))
            if rng.random() < 0.5:
                invoices.build_invoice(run, order, lines, extras, ship_day, when)
                events.append((when, Kind.INVOICE_POSTED, "Invoice posted."))
            number = 2
        if status == S.ISSUED and (0.4 <= roll < 0.6 or roll >= 0.85):
            shipment, when = shipping.new_shipment(
                run, order, number, Shipment.Status.PENDING, ship_day, address
            )
            shipping.allocate(run, shipment, lines, when)
        if status == S.ON_HOLD:
            order.hold_reason = rng.choice(HOLD_REASONS)
            events.append((run.at(ship_day), Kind.HELD, f"On hold: {order.hold_reason}."))
    elif mark.startswith("G-LARGE") and status == S.ISSUED:
        half = len(lines) // 2
        shipment, when = shipping.new_shipment(
            run, order, 1, Shipment.Status.SHIPPED, ship_day, address
        )
        shipping.ship(run, order, shipment, lines[:half], when)
        shipment, when = shipping.new_shipment(
            run, order, 2, Shipment.Status.PENDING, ship_day, address
        )
        shipping.allocate(run, shipment, lines[half : half + 100], when)
    if status == S.ON_HOLD:
        order.hold_reason = order.hold_reason or rng.choice(HOLD_REASONS)
    # What salesorder_touch keeps from the lines, as the services would have left it.
    for name, value in line_flags_of(lines).items():
        setattr(order, name, value)
    order.updated_at = max(when for when, _kind, _message in events)
    for when, kind, message in events:
        w.add(
            SalesOrderEvent,
            order_id=order.id,
            kind=kind,
            message=message,
            created_at=when,
            user_id=salesperson,
        )
    run.counts[f"orders {status}"] += 1
    run.counts["lines"] += len(lines)


def build_orders(run: Run) -> None:
    """Every planned order, numbered in date order after the highest existing reference; the
    numbering continues after the last one."""
    settings_row = SalesOrderSettings.load()
    run.line_rows = LineRows()
    start = (SalesOrder.objects.aggregate(n=models.Max("reference_number"))["n"] or 0) + 1
    plans = plan_orders(run)
    with run.bar(None, "orders", total=len(plans), unit=" orders") as bar:
        for k, plan in enumerate(plans):
            build_order(run, plan, start + k, settings_row.reference_pattern)
            run.writer.maybe_flush()
            if k % 500 == 499:
                bar.update(500)
        bar.update(len(plans) % 500)
    run.writer.flush()
    run.last_reference_number = start + len(plans) - 1
    SalesOrderSettings.objects.filter(
        pk=settings_row.pk, last_reference_number__lt=run.last_reference_number
    ).update(last_reference_number=run.last_reference_number)
