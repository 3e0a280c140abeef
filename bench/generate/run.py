"""What the steps of one generation share (`Run`), and the marks of generated rows."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from tqdm import tqdm

from bench.generate.writer import Writer
from customers.models import Address, Contact, Customer
from inventory.models import Part, PriceBreak, StockItem, StockLocation, StockMovement, TaxRate
from invoicing.models import Invoice, InvoiceLine, Payment
from salesorders.models import SalesOrder, SalesOrderEvent, SalesOrderExtraLine, SalesOrderLine
from shipping.models import Allocation, Shipment

CUSTOMER_PREFIX = "G-C"
PART_PREFIX = "G-P"
USER_PREFIX = "g-"

# In the order they are written (parents first).
MODELS = [
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
    Invoice,
    InvoiceLine,
    Payment,
    Shipment,
    Allocation,
    StockMovement,
]


class Run:
    """What the steps of one generation share: the sizes, the seeded random source, the writer,
    today, the counts reported at the end, and what earlier steps made (customers, parts...)."""

    def __init__(
        self,
        *,
        customers: int,
        parts: int,
        orders: int,
        lines: int,
        seed: int,
        large_orders: int = 3,
        open_share: float = 0.10,
        batch_size: int = 5000,
        use_copy: bool = True,
        progress: bool = False,
    ):
        self.n_customers, self.n_parts, self.n_orders = customers, parts, orders
        self.mean_lines, self.n_large, self.open_share = lines, large_orders, open_share
        self.rng = random.Random(seed)
        self.progress = progress
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.writer = Writer(MODELS, batch_size, use_copy=use_copy)
        self.counts: dict[str, int] = defaultdict(int)
        self.last_reference_number = 0
        # Stock taken by shipped shipments, per stock item: when, shipment id, delta,
        # reference, salesperson, one after the other in a flat list (stock.MOVEMENT_WIDTH).
        self.movements: dict[int, list] = defaultdict(list)
        self.shared_deltas: dict[Decimal, Decimal] = {}  # quantity -> its negative, one object

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        """A moment of `day` in working hours (at `hour` if given)."""
        hour = self.rng.randint(7, 17) if hour is None else hour
        naive = dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)))
        return timezone.make_aware(naive, self.tz)

    def bar(self, iterable, desc: str, **kwargs):
        return tqdm(iterable, desc=desc, disable=not self.progress, **kwargs)
