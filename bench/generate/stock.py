"""Tax rates, locations, parts with price breaks, and stock: each item with its ledger.

Stock items are planned with the parts (`run.stock`), drawn on by shipments and allocations
(`take`), and written last with their final quantities and every movement in time order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

from django.db.models import prefetch_related_objects

from bench.generate.run import PART_PREFIX, Run
from bench.generate.words import PART_MATERIALS, PART_SIZES, PART_THINGS, QUANTITIES, UNITS
from core.numbers import ZERO
from inventory.models import Part, PriceBreak, StockItem, StockLocation, StockMovement, TaxRate

PREFETCH_CHUNK = 900  # parts per price-break query (SQLite's limit of query parameters)
SERVICE_SHARE = 0.02  # of the generated parts are services
SERVICE_NAMES = ["Installation", "Commissioning", "On-site repair", "Calibration", "Training"]


@dataclass
class Item:
    """A stock item being planned: what it received and what has left it so far."""

    id: int
    part_id: int
    received: Decimal
    received_on: dt.date
    location_id: int
    batch_code: str
    expiry: dt.date | None
    shipped: Decimal = ZERO
    pending: Decimal = ZERO

    @property
    def free(self) -> Decimal:
        return self.received - self.shipped - self.pending


def build_taxes_and_locations(run: Run) -> None:
    """`run.taxes` (standard first) and `run.locations`: twenty aisles of a new warehouse."""
    run.taxes = []
    for name, percent in [("Standard 20%", "20.000"), ("Reduced 5%", "5.000"), ("Zero", "0")]:
        tax, _ = TaxRate.objects.get_or_create(name=name, defaults={"percent": Decimal(percent)})
        run.taxes.append(tax)
    w = run.writer
    number = w.next_pk[StockLocation]
    parent = w.add(StockLocation, name=f"G-Warehouse {number}", description="Generated")
    run.locations = [
        w.add(StockLocation, name=f"{parent.name} / Aisle {n:02d}", parent_id=parent.id).id
        for n in range(1, 21)
    ]


def build_parts(run: Run) -> None:
    """`run.parts` (saved, with their price breaks and tax rate loaded, so building a line
    costs no query) and `run.stock`, each part's planned stock items."""
    rng, w = run.rng, run.writer
    start = Part.objects.filter(sku__startswith=PART_PREFIX).count()
    first_id = w.next_pk[Part]
    run.stock = {}
    units = [u for u, weight in UNITS for _ in range(weight)]
    expected_lines = run.n_orders * run.mean_lines / max(1, run.n_parts)
    mean_quantity = Decimal(sum(QUANTITIES)) / len(QUANTITIES)
    received_on = run.today - dt.timedelta(days=3 * 365 + 30)
    created = run.at(received_on, 8)
    for n in run.bar(range(run.n_parts), "parts"):
        tax = run.taxes[0] if rng.random() < 0.85 else rng.choice(run.taxes[1:])
        price = Decimal(str(round(rng.lognormvariate(2.5, 1.2), 2))) + Decimal("0.10")
        name = f"{rng.choice(PART_THINGS)}, {rng.choice(PART_MATERIALS)}, {rng.choice(PART_SIZES)}"
        # A few services (installation by the hour): no stock, delivered instead of shipped.
        service = n > 0 and rng.random() < SERVICE_SHARE
        if service:
            name = f"{rng.choice(SERVICE_NAMES)} (per hour)"
        part = w.add(
            Part,
            sku=f"{PART_PREFIX}{start + n + 1:05d}",
            name=name,
            kind=Part.Kind.SERVICE if service else Part.Kind.STOCK,
            unit=Part.Unit.HOURS if service else rng.choice(units),
            list_price=price,
            default_tax_rate_id=tax.id,
            created_at=created,
            updated_at=created,
        )
        if rng.random() < 0.35:
            for min_quantity, factor in [(10, "0.95"), (25, "0.90")]:
                unit_price = (price * Decimal(factor)).quantize(Decimal("0.0001"))
                w.add(PriceBreak, part_id=part.id, min_quantity=min_quantity, unit_price=unit_price)
        if service:
            run.stock[part.id] = []
            w.maybe_flush()
            continue
        # Enough stock for the expected demand plus a margin; a few parts are kept short so
        # there are backorders that cannot be filled.
        demand = Decimal(expected_lines) * mean_quantity
        short = rng.random() < 0.05
        total = int(demand * (Decimal("0.5") if short else Decimal("1.2"))) + 60
        n_items = 200 if n == 0 else rng.choice([1, 1, 2, 2, 3, 4])
        items = run.stock[part.id] = []
        for k in range(n_items):
            share = max(1, total // n_items + (rng.randint(0, 20) if n_items > 1 else 0))
            expiry = None
            if rng.random() < 0.1:
                expiry = run.today + dt.timedelta(days=rng.randint(120, 900))
            items.append(
                Item(
                    id=w.pk(StockItem),
                    part_id=part.id,
                    received=Decimal(share),
                    received_on=received_on + dt.timedelta(days=k % 30),
                    location_id=rng.choice(run.locations),
                    expiry=expiry,
                    batch_code=f"B{rng.randint(1000, 9999)}-{k + 1}",
                )
            )
        w.maybe_flush()
    w.flush()
    run.parts = list(
        Part.objects.filter(pk__gte=first_id).select_related("default_tax_rate").order_by("pk")
    )
    for k in range(0, len(run.parts), PREFETCH_CHUNK):
        prefetch_related_objects(run.parts[k : k + PREFETCH_CHUNK], "price_breaks")


def take(run: Run, part: Part, wanted: Decimal) -> tuple[Item | None, Decimal]:
    """An item of the part with the most of `wanted` free (whole if possible)."""
    items = run.stock[part.id]
    if not items:  # a service part has no stock
        return None, ZERO
    start = run.rng.randrange(len(items))
    best, best_free = None, ZERO
    for k in range(len(items)):
        item = items[(start + k) % len(items)]
        free = item.free
        if free >= wanted:
            return item, wanted
        if free > best_free:
            best, best_free = item, free
    return best, best_free


MOVEMENT_WIDTH = 5  # values of one shipped movement in run.movements (shipping.ship)


def build_stock(run: Run) -> None:
    """Stock items with their final quantities, and each item's movement ledger.

    `run.movements` holds what shipments took from each item, MOVEMENT_WIDTH values a row in
    one flat list: when, shipment id, delta, the ledger reference, the salesperson."""
    rng, w = run.rng, run.writer
    items = [item for part in run.parts for item in run.stock[part.id]]
    for item in run.bar(items, "stock"):
        created = run.at(item.received_on, 8)
        w.add(
            StockItem,
            id=item.id,
            part_id=item.part_id,
            location_id=item.location_id,
            quantity=item.received - item.shipped,
            allocated_quantity=item.pending,
            batch_code=item.batch_code,
            expiry_date=item.expiry,
            received_date=item.received_on,
            created_at=created,
            updated_at=created,
        )
        w.add(
            StockMovement,
            stock_item_id=item.id,
            part_id=item.part_id,
            kind=StockMovement.Kind.RECEIVED,
            quantity_delta=item.received,
            quantity_after=item.received,
            to_location_id=item.location_id,
            reference=f"Goods receipt {item.batch_code}",
            created_at=created,
        )
        after = item.received
        flat = run.movements.pop(item.id, [])
        rows = zip(*[iter(flat)] * MOVEMENT_WIDTH, strict=True)
        ledger = sorted(rows, key=itemgetter(0, 1))
        for when, _shipment_id, delta, reference, salesperson_id in ledger:
            after += delta
            w.add(
                StockMovement,
                stock_item_id=item.id,
                part_id=item.part_id,
                kind=StockMovement.Kind.SHIPPED,
                quantity_delta=delta,
                quantity_after=after,
                from_location_id=item.location_id,
                reference=reference[: StockMovement._meta.get_field("reference").max_length],
                created_at=when,
                user_id=salesperson_id,
            )
        w.maybe_flush()
    # A little stock that cannot be allocated: damaged, quarantined, expired.
    stocked = [part for part in run.parts if not part.is_service]
    for part in rng.sample(stocked, max(1, len(stocked) // 30)):
        status = rng.choice(
            [StockItem.Status.DAMAGED, StockItem.Status.QUARANTINED, StockItem.Status.OK]
        )
        expiry = None
        if status == StockItem.Status.OK:
            expiry = run.today - dt.timedelta(days=rng.randint(1, 60))
        received_on = run.today - dt.timedelta(days=rng.randint(100, 400))
        created = run.at(received_on, 8)
        item = w.add(
            StockItem,
            part_id=part.id,
            location_id=rng.choice(run.locations),
            quantity=rng.randint(1, 20),
            status=status,
            expiry_date=expiry,
            received_date=received_on,
            created_at=created,
            updated_at=created,
            batch_code=f"X{rng.randint(1000, 9999)}",
        )
        w.add(
            StockMovement,
            stock_item_id=item.id,
            part_id=part.id,
            kind=StockMovement.Kind.RECEIVED,
            quantity_delta=item.quantity,
            quantity_after=item.quantity,
            to_location_id=item.location_id,
            reference="Goods receipt",
            created_at=created,
        )
    w.flush()
