"""Fill a database with a large, believable, self-consistent data set for benchmarks.

    python manage.py generate_data --customers 2000 --parts 5000 --orders 100000 --lines 10 --seed 1

Everything it makes is recognisable: customer codes start with `G-C`, part SKUs with `G-P`,
salespeople's usernames with `g-`. It refuses to touch a database that holds anything else (or an
earlier generated set) unless given `--force`.

The data keeps every rule the app relies on, exactly:
- line amounts are rounded half-up to 2 dp and order totals are the sums of the stored amounts
  (lines plus extra lines); `line_count` is the number of lines;
- a line's `shipped_quantity` is the sum of its allocations in shipped shipments, its
  `allocated_quantity` the sum of its allocations in pending shipments, and shipped + cancelled +
  allocated <= ordered; complete orders are fully shipped or have their remainder cancelled;
- a stock item's `allocated_quantity` is the sum of its pending allocations, within its quantity,
  and only OK stock is allocated; its quantity is what was received less every `shipped`
  movement, and each movement's `quantity_after` follows the item's ledger in time order;
- references follow the settings' pattern (`SO-{ref:04d}` by default) with `reference_number`
  increasing with the order date, so new orders continue after the highest.

Rows get explicit primary keys, so children can be written without reading ids back; the whole
run is one transaction (foreign keys are checked at commit), and the sequences are moved past the
new ids at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from customers.models import Address, Contact, Customer
from inventory.models import Part, PriceBreak, StockItem, StockLocation, StockMovement, TaxRate
from salesorders.models import (
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderSettings,
)
from shipping.models import Allocation, Shipment

CUSTOMER_PREFIX = "G-C"
PART_PREFIX = "G-P"
USER_PREFIX = "g-"
CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Markers (customer PO numbers) of the orders the benchmark looks for.
MARK_LARGE = "G-LARGE-{n}"
MARK_AUTO = "G-AUTO-100"
MARK_SHIP = "G-SHIP-300"
MARK_TEN = "G-TEN-PENDING"

S = SalesOrder.Status

COMPANY_WORDS = [
    "Northern", "Atlas", "Harbor", "Summit", "Blue River", "Ironwood", "Keystone", "Pioneer",
    "Redline", "Silverline", "Oakridge", "Lakeside", "Granite", "Evergreen", "Meridian",
    "Crescent", "Falcon", "Orion", "Vertex", "Zenith", "Müller", "Øresund", "Bellevue",
    "Copperfield", "Rhein-Main", "Castell", "Vistula", "Douro", "Tatra", "Kestrel",
]  # fmt: skip
COMPANY_TRADES = [
    "Supply", "Industrial", "Engineering", "Tools", "Components", "Fasteners", "Hydraulics",
    "Electrics", "Logistics", "Machining", "Automation", "Fabrication", "Plant Hire", "Marine",
]  # fmt: skip
COMPANY_FORMS = ["Ltd", "GmbH", "SA", "BV", "AB", "Inc.", "& Co.", "S.r.l.", "Sp. z o.o.", "A/S"]
PLACES = [
    ("Berlin", "Germany", "EUR"), ("Hamburg", "Germany", "EUR"), ("Lyon", "France", "EUR"),
    ("Paris", "France", "EUR"), ("Rotterdam", "Netherlands", "EUR"),
    ("Antwerp", "Belgium", "EUR"), ("Milan", "Italy", "EUR"), ("Madrid", "Spain", "EUR"),
    ("Vienna", "Austria", "EUR"), ("Gothenburg", "Sweden", "EUR"),
    ("Manchester", "United Kingdom", "GBP"), ("Leeds", "United Kingdom", "GBP"),
    ("Dublin", "Ireland", "EUR"), ("Chicago", "United States", "USD"),
    ("Warsaw", "Poland", "EUR"), ("Porto", "Portugal", "EUR"), ("Aarhus", "Denmark", "EUR"),
    ("Brno", "Czechia", "EUR"),
]  # fmt: skip
STREETS = ["Harbour Road", "Industriestraße", "Rue du Port", "Mill Lane", "Kanaalweg",
           "Via Roma", "Station Street", "Calle Mayor", "Ringvej", "Park Avenue"]  # fmt: skip
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas",
               "Karin", "Luca", "Marta", "Nils", "Olga", "Pavel", "Rosa", "Sven", "Tara",
               "Ugo"]  # fmt: skip
LAST_NAMES = ["Andersen", "Berg", "Costa", "Dubois", "Eriksson", "Fischer", "García", "Horvat",
              "Ivanova", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Novak",
              "O'Brien"]  # fmt: skip
PART_THINGS = ["Hex bolt", "Washer", "Ball bearing", "Gasket", "Hose", "Ball valve", "Bracket",
               "Cable", "Relay", "Fuse", "Pump", "Filter", "Sensor", "Spring", "Coupling", "Gear",
               "Shaft seal", "Hose clamp", "Connector", "Motor", "Nut", "Pipe",
               "Flange"]  # fmt: skip
PART_MATERIALS = ["steel", "stainless A2", "brass", "nylon", "aluminium", "EPDM", "copper", "PVC"]
PART_SIZES = ["M4", "M6", "M8", "M10", "M12", "M16", "M20", "DN15", "DN25", "DN40", "6 mm",
              "10 mm", "1/2\"", "3/4\"", "24 V", "230 V"]  # fmt: skip
UNITS = [("pcs", 80), ("box", 8), ("m", 6), ("kg", 4), ("l", 2)]
QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 10, 12, 15, 20, 24, 25, 30, 40, 50]
CARRIERS = ["DHL", "UPS", "DB Schenker", "DPD", "GLS", "FedEx", "Own fleet"]
HOLD_REASONS = ["Credit check", "Customer asked to wait", "Awaiting payment", "Price query"]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity, unit_price, discount, tax_percent) -> tuple[Decimal, Decimal, Decimal]:
    """Subtotal, tax and total of a line, each rounded half-up to 2 dp (the app's rule)."""
    subtotal = money(quantity * unit_price * (HUNDRED - discount) / HUNDRED)
    tax = money(subtotal * tax_percent / HUNDRED)
    return subtotal, tax, subtotal + tax


@contextlib.contextmanager
def explicit_timestamps(*model_classes):
    """Let bulk_create keep the created/updated times we set (switch auto_now off for a while)."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Writer:
    """Buffers new rows per model and writes them in batches.

    Primary keys are handed out here (after the highest existing one), so rows can point at each
    other before anything is written; `flush()` writes in the order the models were registered.
    Rows are written with bulk_create, or on PostgreSQL with COPY (`use_copy`): the same rows,
    without Django preparing every value and psycopg packing it into arrays (about 3x faster).
    """

    def __init__(self, model_classes, batch_size: int, use_copy: bool = False):
        self.batch_size = batch_size
        self.use_copy = use_copy and connection.vendor == "postgresql"
        self.buffers: dict[type, list] = {m: [] for m in model_classes}
        self.next_pk = {m: (m.objects.aggregate(n=models.Max("pk"))["n"] or 0) + 1 for m in
                        model_classes}  # fmt: skip
        self.written: dict[type, int] = defaultdict(int)
        self.pending = 0

    def pk(self, model) -> int:
        value = self.next_pk[model]
        self.next_pk[model] = value + 1
        return value

    def add(self, model, **values):
        values.setdefault("id", self.pk(model))
        obj = model(**values)
        self.buffers[model].append(obj)
        self.pending += 1
        return obj

    def maybe_flush(self) -> None:
        """Write the buffers once they hold a few batches; call only between whole objects."""
        if self.pending >= self.batch_size * 4:
            self.flush()

    def flush(self) -> None:
        self.pending = 0
        for model, buffer in self.buffers.items():
            if buffer:
                if self.use_copy:
                    self.copy(model, buffer)
                else:
                    model.objects.bulk_create(buffer, batch_size=self.batch_size)
                self.written[model] += len(buffer)
                buffer.clear()

    @staticmethod
    def copy(model, objects: list) -> None:
        """COPY the objects' column values into the model's table (PostgreSQL)."""
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        columns = ", ".join(quote(f.column) for f in fields)
        attnames = [f.attname for f in fields]
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for obj in objects:
                copy.write_row([getattr(obj, name) for name in attnames])

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.buffers))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


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


@dataclass
class PartInfo:
    id: int
    sku: str
    name: str
    unit: str
    list_price: Decimal
    tax_id: int
    tax_name: str
    tax_percent: Decimal
    breaks: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass
class CustomerInfo:
    id: int
    name: str
    currency: str
    address: str
    contact_id: int


class Generator:
    def __init__(self, *, options: dict, stdout, progress: bool):
        self.rng = random.Random(options["seed"])
        self.n_customers = options["customers"]
        self.n_parts = options["parts"]
        self.n_orders = options["orders"]
        self.mean_lines = options["lines"]
        self.n_large = options["large_orders"]
        self.open_share = options["open_share"]
        self.stdout = stdout
        self.progress = progress
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.writer = Writer(
            [
                Customer,
                Address,
                Contact,
                TaxRate,
                StockLocation,
                Part,
                PriceBreak,
                StockItem,
                SalesOrder,
                SalesOrderLine,
                SalesOrderExtraLine,
                SalesOrderEvent,
                Shipment,
                Allocation,
                StockMovement,
            ],  # fmt: skip
            options["batch_size"],
            use_copy=not options["no_copy"],
        )
        self.counts: dict[str, int] = defaultdict(int)

    # -- helpers -------------------------------------------------------------------------------

    def bar(self, total: int, desc: str):
        return tqdm(total=total, desc=desc, unit=" rows", disable=not self.progress, leave=True)

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        hour = self.rng.randint(7, 17) if hour is None else hour
        naive = dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)))
        return timezone.make_aware(naive, self.tz)

    # -- reference data ------------------------------------------------------------------------

    def build_users(self) -> None:
        User = get_user_model()
        start = User.objects.filter(username__startswith=USER_PREFIX).count()
        group = Group.objects.filter(name="Sales").first()
        self.salespeople = []
        for n in range(start + 1, start + 6):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            user = User.objects.create_user(
                username=f"{USER_PREFIX}sales-{n}", first_name=first, last_name=last,
                email=f"{USER_PREFIX}sales-{n}@example.com",
            )  # fmt: skip
            user.set_unusable_password()
            user.save(update_fields=["password"])
            if group:
                user.groups.add(group)
            self.salespeople.append(user.pk)

    def build_taxes_and_locations(self) -> None:
        self.taxes = []
        for name, percent in [("Standard 20%", "20.000"), ("Reduced 5%", "5.000"), ("Zero", "0")]:
            tax, _ = TaxRate.objects.get_or_create(
                name=name, defaults={"percent": Decimal(percent)}
            )
            self.taxes.append(tax)
        run = self.writer.next_pk[StockLocation]
        parent = self.writer.add(StockLocation, name=f"G-Warehouse {run}", description="Generated")
        self.locations = [
            self.writer.add(StockLocation, name=f"G-Warehouse {run} / Aisle {n:02d}",
                            parent_id=parent.id).id
            for n in range(1, 21)
        ]  # fmt: skip

    def build_customers(self) -> None:
        rng, w = self.rng, self.writer
        start = Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).count()
        self.customers: list[CustomerInfo] = []
        created = self.at(self.today - dt.timedelta(days=3 * 365 + 60), 9)
        for n in tqdm(range(self.n_customers), desc="customers", disable=not self.progress):
            name = " ".join(
                [rng.choice(COMPANY_WORDS), rng.choice(COMPANY_TRADES), rng.choice(COMPANY_FORMS)]
            )
            if n == 0:
                name = "Atlas Wholesale Group Ltd"  # the customer with thousands of orders
            elif n % 97 == 0:
                name = f'{name}, "Depot {n}"; North'  # punctuation that feeds must escape
            city, country, currency = rng.choice(PLACES)
            customer = w.add(
                Customer, code=f"{CUSTOMER_PREFIX}{start + n + 1:05d}", name=name,
                email=f"orders@customer{start + n + 1}.example.com", phone=f"+49 30 {n:07d}",
                currency=currency, payment_terms_days=rng.choice([14, 30, 30, 45, 60]),
                active=rng.random() > 0.02 or n == 0, created_at=created, updated_at=created,
            )  # fmt: skip
            address = w.add(
                Address, customer_id=customer.id, label="Head office",
                line1=f"{rng.randint(1, 250)} {rng.choice(STREETS)}", city=city,
                postcode=f"{rng.randint(10000, 99999)}", country=country,
                is_default_shipping=True, is_default_billing=True,
            )  # fmt: skip
            contact = w.add(
                Contact, customer_id=customer.id, role="Purchasing",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                email=f"buyer@customer{start + n + 1}.example.com",
            )  # fmt: skip
            info = CustomerInfo(customer.id, name, currency, address.as_text(name), contact.id)
            self.customers.append(info)
            w.maybe_flush()
        w.flush()

    def build_parts(self) -> None:
        """Parts, price breaks, and the plan of each part's stock items (written at the end)."""
        rng, w = self.rng, self.writer
        start = Part.objects.filter(sku__startswith=PART_PREFIX).count()
        self.parts: list[PartInfo] = []
        units = [u for u, weight in UNITS for _ in range(weight)]
        expected_lines = self.n_orders * self.mean_lines / max(1, self.n_parts)
        mean_quantity = Decimal(sum(QUANTITIES)) / len(QUANTITIES)
        received_on = self.today - dt.timedelta(days=3 * 365 + 30)
        created = self.at(received_on, 8)
        for n in tqdm(range(self.n_parts), desc="parts", disable=not self.progress):
            tax = self.taxes[0] if rng.random() < 0.85 else rng.choice(self.taxes[1:])
            price = Decimal(str(round(rng.lognormvariate(2.5, 1.2), 2))) + Decimal("0.10")
            name = (
                f"{rng.choice(PART_THINGS)}, {rng.choice(PART_MATERIALS)}, {rng.choice(PART_SIZES)}"
            )
            part = w.add(
                Part, sku=f"{PART_PREFIX}{start + n + 1:05d}", name=name,
                unit=rng.choice(units), list_price=price, default_tax_rate_id=tax.id,
                created_at=created, updated_at=created,
            )  # fmt: skip
            info = PartInfo(part.id, part.sku, name, part.unit, price, tax.id, tax.name,
                            tax.percent)  # fmt: skip
            if rng.random() < 0.35:
                for min_quantity, factor in [(10, "0.95"), (25, "0.90")]:
                    unit_price = (price * Decimal(factor)).quantize(Decimal("0.0001"))
                    w.add(PriceBreak, part_id=part.id, min_quantity=min_quantity,
                          unit_price=unit_price)  # fmt: skip
                    info.breaks.append((Decimal(min_quantity), unit_price))
            # Enough stock for the expected demand plus a margin; a few parts are kept short so
            # there are backorders that cannot be filled.
            demand = Decimal(expected_lines) * mean_quantity
            short = rng.random() < 0.05
            total = int(demand * (Decimal("0.5") if short else Decimal("1.2"))) + 60
            n_items = 200 if n == 0 else rng.choice([1, 1, 2, 2, 3, 4])
            for k in range(n_items):
                share = max(1, total // n_items + (rng.randint(0, 20) if n_items > 1 else 0))
                expiry = None
                if rng.random() < 0.1:
                    expiry = self.today + dt.timedelta(days=rng.randint(120, 900))
                info.items.append(
                    Item(
                        id=w.pk(StockItem), part_id=part.id, received=Decimal(share),
                        received_on=received_on + dt.timedelta(days=k % 30),
                        location_id=rng.choice(self.locations), expiry=expiry,
                        batch_code=f"B{rng.randint(1000, 9999)}-{k + 1}",
                    )
                )  # fmt: skip
            self.parts.append(info)
            w.maybe_flush()
        w.flush()

    # -- orders --------------------------------------------------------------------------------

    def plan_orders(self) -> list[dict]:
        """Decide, in time order, each order's date, customer, status, size and marker."""
        rng, n = self.rng, self.n_orders
        first_day = self.today - dt.timedelta(days=3 * 365)
        span = (self.today - first_day).days
        dates = sorted(first_day + dt.timedelta(days=int(rng.random() * (span + 1)))
                       for _ in range(n))  # fmt: skip
        open_target = round(n * self.open_share)
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
            size = max(1, round(rng.triangular(1, 2 * self.mean_lines - 1, self.mean_lines)))
            plans.append({"date": day, "status": status, "size": size, "mark": ""})
        # The customer with thousands of orders; everyone else at random.
        big = min(2000, n // 10)
        big_positions = set(rng.sample(range(n), big)) if big else set()
        others = self.customers[1:] or self.customers
        for i, plan in enumerate(plans):
            plan["customer"] = self.customers[0] if i in big_positions else rng.choice(others)
        # Orders the benchmark looks for, among the most recent ones.
        special = [(MARK_LARGE.format(n=k + 1), (S.PENDING, S.ISSUED, S.COMPLETE)[k % 3], 1000)
                   for k in range(self.n_large)]  # fmt: skip
        special += [
            (MARK_AUTO, S.ISSUED, 100),
            (MARK_SHIP, S.ISSUED, 300),
            (MARK_TEN, S.PENDING, 10),
        ]
        usable = len(self.parts)
        for offset, (mark, status, size) in enumerate(special[:n]):
            plan = plans[n - 1 - offset * 7 if n > len(special) * 7 else n - 1 - offset]
            # Leave a few parts off even the largest order, so a line can always be added.
            plan.update(mark=mark, status=status, size=max(1, min(size, usable - 5)))
            if plan["customer"] is self.customers[0] and len(self.customers) > 1:
                plan["customer"] = self.customers[1]
        return plans

    def price_for(self, part: PartInfo, quantity: Decimal) -> tuple[Decimal, str, str]:
        """Unit price, price source and its label (as the pricing service words it)."""
        price, source, label = part.list_price, SalesOrderLine.PriceSource.LIST, "List price"
        for min_quantity, unit_price in part.breaks:
            if quantity >= min_quantity:
                price, source = unit_price, SalesOrderLine.PriceSource.BREAK
                label = f"Price break: min qty {min_quantity.normalize():f}"
        return price, source, label

    @cached_property
    def has_price_label(self) -> bool:
        return any(f.name == "price_source_label" for f in SalesOrderLine._meta.concrete_fields)

    def label_field(self, label: str) -> dict:
        """The line's price label, where the model has one."""
        return {"price_source_label": label} if self.has_price_label else {}

    def take_stock(self, part: PartInfo, wanted: Decimal) -> tuple[Item | None, Decimal]:
        """An item of the part with the most of `wanted` free (whole if possible)."""
        items = part.items
        start = self.rng.randrange(len(items))
        best, best_free = None, ZERO
        for k in range(len(items)):
            item = items[(start + k) % len(items)]
            free = item.free
            if free >= wanted:
                return item, wanted
            if free > best_free:
                best, best_free = item, free
        return best, best_free

    def ship(self, order, shipment, lines: list, when: dt.datetime) -> None:
        """Ship what stock allows of each (line, part) pair in `shipment` (already shipped)."""
        for line, part in lines:
            wanted = line.quantity - line.shipped_quantity - line.cancelled_quantity
            item, quantity = self.take_stock(part, wanted)
            if item is None or quantity <= 0:
                continue
            item.shipped += quantity
            line.shipped_quantity += quantity
            self.writer.add(
                Allocation, line_id=line.id, stock_item_id=item.id, shipment_id=shipment.id,
                quantity=quantity, created_at=when,
            )  # fmt: skip
            self.movements[item.id].append((when, -quantity, order, shipment))

    def allocate(self, shipment, lines: list, when: dt.datetime) -> None:
        """Reserve what stock allows of each line's remainder in a pending shipment."""
        for line, part in lines:
            wanted = line.quantity - line.shipped_quantity - line.cancelled_quantity
            wanted -= line.allocated_quantity
            item, quantity = self.take_stock(part, wanted)
            if item is None or quantity <= 0:
                continue
            item.pending += quantity
            line.allocated_quantity += quantity
            self.writer.add(
                Allocation, line_id=line.id, stock_item_id=item.id, shipment_id=shipment.id,
                quantity=quantity, created_at=when,
            )  # fmt: skip

    def new_shipment(self, order, number: int, status: str, day: dt.date, address: str):
        rng = self.rng
        when = self.at(day)
        values = {"order_id": order.id, "reference": str(number), "status": status,
                  "address": address, "created_at": when}  # fmt: skip
        if status != Shipment.Status.PENDING:
            values.update(
                carrier=rng.choice(CARRIERS), tracking_number=f"TRK{rng.randint(10**9, 10**10)}",
                shipped_date=day, shipped_at=when, shipped_by_id=order.salesperson_id,
            )  # fmt: skip
            if status == Shipment.Status.DELIVERED:
                values["delivery_date"] = day + dt.timedelta(days=rng.randint(1, 5))
        self.counts[f"shipments {status}"] += 1
        return self.writer.add(Shipment, **values), when

    def build_order(self, plan: dict, number: int, pattern: str) -> None:
        rng, w = self.rng, self.writer
        customer: CustomerInfo = plan["customer"]
        status, day = plan["status"], plan["date"]
        created = self.at(day)
        target = day + dt.timedelta(days=rng.randint(5, 40))
        if status in (S.COMPLETE, S.CANCELLED) and rng.random() < 0.1:
            target = None
        salesperson = rng.choice(self.salespeople)
        order = w.add(
            SalesOrder, reference=pattern.format(ref=number, date=day), reference_number=number,
            customer_id=customer.id, customer_name=customer.name,
            customer_reference=plan["mark"] or f"PO-{rng.randint(10000, 999999)}",
            description="Large order" if plan["mark"].startswith("G-LARGE") else "",
            status=status, order_date=day, target_date=target, currency=customer.currency,
            ship_to=customer.address, bill_to=customer.address, contact_id=customer.contact_id,
            salesperson_id=salesperson, priority=rng.choice([0, 0, 0, 0, 1, 2, 5]),
            created_at=created, created_by_id=salesperson, updated_at=created,
            updated_by_id=salesperson,
        )  # fmt: skip
        events = [(created, "created", f"Order {order.reference} created.")]
        # Lines.
        lines = []
        subtotal = tax_total = ZERO
        for position, part in enumerate(rng.sample(self.parts, plan["size"]), start=1):
            quantity = Decimal(rng.choice(QUANTITIES))
            if part.unit in ("kg", "m", "l") and rng.random() < 0.5:
                quantity += Decimal("0.5")
            unit_price, source, label = self.price_for(part, quantity)
            overridden = rng.random() < 0.02
            if overridden:
                unit_price = (unit_price * Decimal("0.9")).quantize(Decimal("0.0001"))
                source, label = "manual", "Manual"
            discount = ZERO if rng.random() < 0.85 else Decimal(rng.choice([5, 10, 15]))
            sub, tax, total = line_amounts(quantity, unit_price, discount, part.tax_percent)
            subtotal, tax_total = subtotal + sub, tax_total + tax
            line = w.add(
                SalesOrderLine, order_id=order.id, part_id=part.id, part_name=part.name,
                part_sku=part.sku, unit=part.unit, quantity=quantity,
                list_unit_price=part.list_price, unit_price=unit_price, price_source=source,
                price_overridden=overridden, discount_percent=discount, tax_rate_id=part.tax_id,
                tax_name=part.tax_name, tax_percent=part.tax_percent, sort_order=position,
                subtotal=sub, tax_amount=tax, total=total, **self.label_field(label),
            )  # fmt: skip
            lines.append((line, part))
        if rng.random() < 0.15 and not plan["mark"]:
            tax = self.taxes[0]
            sub, tax_amount, total = line_amounts(Decimal(1), Decimal("12.5"), ZERO, tax.percent)
            w.add(
                SalesOrderExtraLine, order_id=order.id, description="Shipping and handling",
                quantity=1, unit_price=Decimal("12.5"), tax_rate_id=tax.id, tax_name=tax.name,
                tax_percent=tax.percent, subtotal=sub, tax_amount=tax_amount, total=total,
            )  # fmt: skip
            subtotal, tax_total = subtotal + sub, tax_total + tax_amount
        order.subtotal, order.tax_total = subtotal, tax_total
        order.total, order.line_count = subtotal + tax_total, len(lines)

        # Lifecycle, shipments and allocations.
        was_issued = status not in (S.PENDING, S.CANCELLED) or rng.random() < 0.5
        if status != S.PENDING and was_issued:
            order.issued_at = self.at(day + dt.timedelta(days=rng.randint(0, 2)))
            order.issued_by_id = salesperson
            events.append((order.issued_at, "issued", "Order issued."))
        ship_day = min(self.today, day + dt.timedelta(days=rng.randint(2, 20)))
        address = customer.address
        if status == S.COMPLETE:
            split = len(lines) > 1 and rng.random() < 0.3
            halves = [lines[: len(lines) // 2], lines[len(lines) // 2 :]] if split else [lines]
            for k, part_lines in enumerate(halves, start=1):
                old = (self.today - ship_day).days > 14
                shipment, when = self.new_shipment(
                    order, k, Shipment.Status.DELIVERED if old else Shipment.Status.SHIPPED,
                    ship_day, address,
                )  # fmt: skip
                self.ship(order, shipment, part_lines, when)
                events.append((when, "shipped", f"Shipment {k} shipped."))
            for line, _part in lines:  # what stock could not cover was cancelled
                line.cancelled_quantity = line.quantity - line.shipped_quantity
            order.completed_at = self.at(min(self.today, ship_day + dt.timedelta(days=1)))
            order.completed_by_id = salesperson
            events.append((order.completed_at, "completed", "Order completed."))
        elif status == S.CANCELLED:
            order.cancelled_at = self.at(
                min(self.today, day + dt.timedelta(days=rng.randint(0, 5)))
            )
            order.cancelled_by_id = salesperson
            events.append((order.cancelled_at, "cancelled", "Order cancelled."))
        elif status in (S.ISSUED, S.ON_HOLD) and not plan["mark"]:
            roll = rng.random()
            shipped_first = roll >= 0.6 if status == S.ISSUED else roll >= 0.7
            number = 1
            if shipped_first:
                shipment, when = self.new_shipment(order, 1, Shipment.Status.SHIPPED, ship_day,
                                                   address)  # fmt: skip
                self.ship(order, shipment, lines[: max(1, len(lines) // 2)], when)
                events.append((when, "shipped", "Shipment 1 shipped."))
                number = 2
            if status == S.ISSUED and (0.4 <= roll < 0.6 or roll >= 0.85):
                shipment, when = self.new_shipment(order, number, Shipment.Status.PENDING,
                                                   ship_day, address)  # fmt: skip
                self.allocate(shipment, lines, when)
            if status == S.ON_HOLD:
                order.hold_reason = rng.choice(HOLD_REASONS)
                events.append((self.at(ship_day), "held", f"On hold: {order.hold_reason}."))
        elif plan["mark"].startswith("G-LARGE") and status == S.ISSUED:
            shipment, when = self.new_shipment(order, 1, Shipment.Status.SHIPPED, ship_day, address)
            self.ship(order, shipment, lines[: len(lines) // 2], when)
            shipment, when = self.new_shipment(order, 2, Shipment.Status.PENDING, ship_day, address)
            self.allocate(shipment, lines[len(lines) // 2 : len(lines) // 2 + 100], when)
        if status == S.ON_HOLD:
            order.hold_reason = order.hold_reason or rng.choice(HOLD_REASONS)
        order.version = 1 + len(lines) + len(events)
        order.updated_at = max(when for when, _kind, _message in events)
        for when, kind, message in events:
            w.add(SalesOrderEvent, order_id=order.id, kind=kind, message=message, created_at=when,
                  user_id=salesperson)  # fmt: skip
        self.counts[f"orders {status}"] += 1
        self.counts["lines"] += len(lines)

    def build_orders(self) -> None:
        settings_row = SalesOrderSettings.load()
        pattern = settings_row.reference_pattern
        start = (SalesOrder.objects.aggregate(n=models.Max("reference_number"))["n"] or 0) + 1
        self.movements: dict[int, list] = defaultdict(list)
        plans = self.plan_orders()
        with tqdm(
            total=len(plans), desc="orders", unit=" orders", disable=not self.progress
        ) as bar:
            for k, plan in enumerate(plans):
                self.build_order(plan, start + k, pattern)
                self.writer.maybe_flush()
                if k % 500 == 499:
                    bar.update(500)
            bar.update(len(plans) % 500)
        self.writer.flush()
        self.last_reference_number = start + len(plans) - 1
        # The numbering counter (when the model keeps one) continues after the highest number.
        names = {f.name for f in SalesOrderSettings._meta.concrete_fields}
        if "last_reference_number" in names:
            SalesOrderSettings.objects.filter(
                pk=settings_row.pk, last_reference_number__lt=self.last_reference_number
            ).update(last_reference_number=self.last_reference_number)

    def build_stock(self) -> None:
        """Stock items with their final quantities, and each item's movement ledger."""
        rng, w = self.rng, self.writer
        items = [item for part in self.parts for item in part.items]
        for item in tqdm(items, desc="stock", disable=not self.progress):
            created = self.at(item.received_on, 8)
            w.add(
                StockItem, id=item.id, part_id=item.part_id, location_id=item.location_id,
                quantity=item.received - item.shipped, allocated_quantity=item.pending,
                batch_code=item.batch_code, expiry_date=item.expiry, received_date=item.received_on,
                created_at=created, updated_at=created,
            )  # fmt: skip
            w.add(
                StockMovement, stock_item_id=item.id, part_id=item.part_id, kind="received",
                quantity_delta=item.received, quantity_after=item.received,
                to_location_id=item.location_id, reference=f"Goods receipt {item.batch_code}",
                created_at=created,
            )  # fmt: skip
            after = item.received
            ledger = sorted(self.movements.pop(item.id, ()), key=lambda m: (m[0], m[3].id))
            for when, delta, order, shipment in ledger:
                after += delta
                w.add(
                    StockMovement, stock_item_id=item.id, part_id=item.part_id, kind="shipped",
                    quantity_delta=delta, quantity_after=after, from_location_id=item.location_id,
                    reference=f"{order.reference} / shipment {shipment.reference} to "
                    f"{order.customer_name}"[:200],
                    created_at=when, user_id=order.salesperson_id,
                )  # fmt: skip
            w.maybe_flush()
        # A little stock that cannot be allocated: damaged, quarantined, expired.
        for part in rng.sample(self.parts, max(1, len(self.parts) // 30)):
            status = rng.choice([StockItem.Status.DAMAGED, StockItem.Status.QUARANTINED, "ok"])
            expiry = self.today - dt.timedelta(days=rng.randint(1, 60)) if status == "ok" else None
            received_on = self.today - dt.timedelta(days=rng.randint(100, 400))
            created = self.at(received_on, 8)
            item = w.add(
                StockItem, part_id=part.id, location_id=rng.choice(self.locations),
                quantity=rng.randint(1, 20), status=status, expiry_date=expiry,
                received_date=received_on, created_at=created, updated_at=created,
                batch_code=f"X{rng.randint(1000, 9999)}",
            )  # fmt: skip
            w.add(
                StockMovement, stock_item_id=item.id, part_id=part.id, kind="received",
                quantity_delta=item.quantity, quantity_after=item.quantity,
                to_location_id=item.location_id, reference="Goods receipt", created_at=created,
            )  # fmt: skip
        w.flush()

    def run(self) -> None:
        steps = [
            self.build_users, self.build_taxes_and_locations, self.build_customers,
            self.build_parts, self.build_orders, self.build_stock,
        ]  # fmt: skip
        with explicit_timestamps(Customer, Part, StockItem, SalesOrder):
            for step in steps:
                step()
        self.writer.reset_sequences()


class Command(BaseCommand):
    help = (
        "Generate a large, consistent data set (customers, parts, stock, orders in every state, "
        "shipments, allocations) with bulk inserts, for benchmarks. Refuses a database that "
        "holds other data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--parts", type=int, default=5000)
        parser.add_argument("--orders", type=int, default=100_000)
        parser.add_argument("--lines", type=int, default=10, help="Mean lines per order.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--large-orders", type=int, default=3, help="Orders of 1,000 lines (default 3)."
        )
        parser.add_argument(
            "--open-share",
            type=float,
            default=0.10,
            help="Share of orders still open (pending, issued, on hold); default 0.10.",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows per INSERT.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add to a database that already holds other (or earlier generated) data.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")
        parser.add_argument(
            "--no-copy",
            action="store_true",
            help="On PostgreSQL, insert with bulk_create instead of COPY.",
        )

    def handle(self, *args, **options):
        for name in ("customers", "parts", "orders", "lines"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if not options["force"]:
            self.refuse_unless_empty()
        started = time.monotonic()
        generator = Generator(
            options=options,
            stdout=self.stdout,
            progress=not options["no_progress"] and options["verbosity"] > 0,
        )
        with transaction.atomic():
            generator.run()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner plans for the empty tables it last saw; VACUUM
            # sets the visibility map so counts can be answered from indexes alone (it cannot
            # run inside a transaction, as when a test calls this command).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        if "warm_calendar" in get_commands():
            # Orders changed through the app get their calendar event stored when the change
            # commits; bulk-inserted ones need it done once, as after any bulk import.
            call_command("warm_calendar", no_progress=not generator.progress,
                         verbosity=options["verbosity"])  # fmt: skip
        elapsed = time.monotonic() - started
        written = ", ".join(
            f"{count:,} {model._meta.verbose_name_plural}"
            for model, count in generator.writer.written.items()
            if count
        )
        self.stdout.write(
            self.style.SUCCESS(f"Generated in {elapsed:.0f} s: {written}.")
            + "\nOrders by status: "
            + ", ".join(f"{k}: {v:,}" for k, v in sorted(generator.counts.items()))
            + f"\nLast reference number: {generator.last_reference_number}."
        )

    def refuse_unless_empty(self) -> None:
        foreign = {
            "customers": Customer.objects.exclude(code__startswith=CUSTOMER_PREFIX).count(),
            "parts": Part.objects.exclude(sku__startswith=PART_PREFIX).count(),
            "sales orders": SalesOrder.objects.exclude(
                customer__code__startswith=CUSTOMER_PREFIX
            ).count(),
        }
        found = ", ".join(f"{n:,} {what}" for what, n in foreign.items() if n)
        if found:
            raise CommandError(
                f"This database holds data the generator did not make ({found}). Generate into "
                "an empty database, or pass --force to add generated data to it anyway."
            )
        if Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).exists():
            raise CommandError(
                "This database already holds a generated data set. Use a fresh database, or "
                "pass --force to add a second set."
            )
