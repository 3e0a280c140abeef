"""The benchmark scenarios: one small function each, through the real views.

Each finds what it needs in the generated data (orders are marked by their customer PO:
G-LARGE-1 pending 1,000 lines, G-LARGE-2 issued 1,000 lines half shipped, G-AUTO-100,
G-SHIP-300, G-TEN-PENDING) and returns a Plan. Names of URLs and services are looked up when the
scenario runs; a feature that is not there is reported as not measured.
"""

from __future__ import annotations

import resource
import statistics
import time
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.harness import CheckFailed, Plan, Unavailable, scenario
from customers.models import Customer
from inventory.models import Part, StockItem, StockLocation, StockMovement
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Allocation, Shipment

BENCH_USERNAME = "bench-manager"


def url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        raise Unavailable(f"no URL named {name!r}") from None


def service(module: str, name: str):
    """A service function by name, or Unavailable."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise Unavailable(f"no service {module}.{name}") from None


def bench_user(password: str | None = None):
    """The manager the benchmark logs in as (created once; password reset when given)."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=BENCH_USERNAME,
        defaults={"first_name": "Bench", "last_name": "Manager", "is_staff": True},
    )
    group = Group.objects.filter(name="Managers").first()
    if group and not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


class Bench:
    """A logged-in client and the generated rows the scenarios use."""

    def __init__(self, *, verbose: bool = False):
        self.verbose = verbose
        # The app's URLs plus the bare-framework page (bench/urls.py).
        override_settings(ROOT_URLCONF="bench.urls").enable()
        self.user = bench_user()
        # HTTPS so a production configuration (SECURE_SSL_REDIRECT) serves rather than redirects.
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.client.force_login(self.user)
        self.notes: dict[str, str] = {}  # facts a scenario reports with its figures

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {}, secure=True)

    def post(self, path: str, data: dict | None = None):
        return self.client.post(path, data or {}, secure=True)

    # -- what the scenarios look for -----------------------------------------------------------

    def marked(self, mark: str) -> SalesOrder:
        order = SalesOrder.objects.filter(customer_reference=mark).order_by("-pk").first()
        if order is None:
            raise Unavailable(f"no generated order marked {mark} (run generate_data)")
        return order

    @cached_property
    def busiest_customer(self) -> Customer:
        row = (
            SalesOrder.objects.values("customer")
            .annotate(n=Count("pk"))
            .order_by("-n", "customer")
            .first()
        )
        if row is None:
            raise Unavailable("no orders")
        return Customer.objects.get(pk=row["customer"])

    @cached_property
    def stockiest_part(self) -> Part:
        row = (
            StockItem.objects.values("part").annotate(n=Count("pk")).order_by("-n", "part").first()
        )
        if row is None:
            raise Unavailable("no stock")
        return Part.objects.get(pk=row["part"])

    @cached_property
    def ten_line_order(self) -> SalesOrder:
        """An issued 10-line order that has shipments (a typical order page)."""
        order = (
            SalesOrder.objects.filter(
                status=SalesOrder.Status.ISSUED, line_count=10, shipments__isnull=False
            )
            .order_by("pk")
            .first()
        ) or SalesOrder.objects.filter(line_count=10).order_by("pk").first()
        if order is None:
            raise Unavailable("no 10-line order")
        return order

    def part_not_on(self, order: SalesOrder) -> Part:
        part = (
            Part.objects.filter(active=True, salable=True)
            .exclude(pk__in=SalesOrderLine.objects.filter(order=order).values("part"))
            .order_by("pk")
            .first()
        )
        if part is None:
            raise Unavailable(f"every part is already on {order}")
        return part

    def new_shipment(self, order: SalesOrder) -> Shipment:
        create = service("shipping.services", "shipment_create")
        return create(order=order, user=self.user)

    def receive_for_uncovered_lines(self, order: SalesOrder) -> int:
        """Stock (with its received movement) for each line nothing could be allocated to,
        so the shipment holds one allocation per line. Untimed setup, rolled back."""
        uncovered = list(SalesOrderLine.objects.open().filter(order=order, allocated_quantity=0))
        location = StockLocation.objects.order_by("pk").first()
        for line in uncovered:
            wanted = line.quantity - line.shipped_quantity - line.cancelled_quantity
            item = StockItem.objects.create(
                part_id=line.part_id, location=location, quantity=wanted
            )
            StockMovement.objects.create(
                stock_item=item,
                part_id=item.part_id,
                kind=StockMovement.Kind.RECEIVED,
                quantity_delta=wanted,
                quantity_after=wanted,
                to_location=location,
                reference="Bench setup",
            )
        return len(uncovered)

    def auto_allocate(self, order: SalesOrder, shipment: Shipment):
        allocate = service("shipping.services", "order_auto_allocate")
        return allocate(order=order, shipment=shipment, user=self.user)


def get_plan(b: Bench, path: str, params: dict | None = None) -> Plan:
    return Plan(timed=lambda _state: b.get(path, params))


# -- order list --------------------------------------------------------------------------------


@scenario("order-list", "Order list, first page, default sort")
def order_list(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:list"))


@scenario("order-list-filtered", "Order list, status Issued + customer")
def order_list_filtered(b: Bench) -> Plan:
    params = {"status": SalesOrder.Status.ISSUED.value, "customer": b.busiest_customer.code}
    return get_plan(b, url("salesorders:list"), params)


@scenario("order-list-by-total", "Order list, sorted by base-currency total (descending)")
def order_list_by_total(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:list"), {"sort": "-total"})


@scenario("order-list-search", "Order list, text search")
def order_list_search(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:list"), {"q": "atlas"})


@scenario("order-list-overdue", "Order list, overdue only")
def order_list_overdue(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:list"), {"overdue": "true"})


# -- order pages and line edits ----------------------------------------------------------------


@scenario("order-page-10", "Order page, 10 lines")
def order_page_10(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:detail", b.ten_line_order.pk))


@scenario("order-page-1000", "Order page, 1,000 lines (issued, shipments)")
def order_page_1000(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:detail", b.marked("G-LARGE-2").pk))


def _line_add(b: Bench, order: SalesOrder) -> Plan:
    path = url("salesorders:line-add", order.pk)
    part = b.part_not_on(order)

    def setup():
        version = SalesOrder.objects.values_list("version", flat=True).get(pk=order.pk)
        return {
            "part": part.pk,
            "quantity": "3",
            "discount_percent": "0",
            "tax_rate": "",
            "version": version,
        }

    def check(_state, _response):
        if not SalesOrderLine.objects.filter(order=order, part=part).exists():
            raise CheckFailed(f"the line was not added to {order}")

    return Plan(timed=lambda data: b.post(path, data), setup=setup, check=check, expect_status=302)


@scenario("line-add-10", "Add Line Item to a 10-line order")
def line_add_10(b: Bench) -> Plan:
    return _line_add(b, b.marked("G-TEN-PENDING"))


@scenario("line-add-1000", "Add Line Item to a 1,000-line order")
def line_add_1000(b: Bench) -> Plan:
    return _line_add(b, b.marked("G-LARGE-1"))


# -- customers, parts, backorders, calendar, dashboard -----------------------------------------


@scenario("customer-page", "Customer page, customer with 2,000 orders")
def customer_page(b: Bench) -> Plan:
    return get_plan(b, url("customers:customer-detail", b.busiest_customer.pk))


@scenario("part-page", "Part page, part with 200 stock items")
def part_page(b: Bench) -> Plan:
    return get_plan(b, url("inventory:part-detail", b.stockiest_part.pk))


@scenario("backorders", "Backorders, first page")
def backorders(b: Bench) -> Plan:
    return get_plan(b, url("shipping:backorders"))


@scenario("calendar-month", "Calendar, this month")
def calendar_month(b: Bench) -> Plan:
    return get_plan(b, url("calendar:month"))


def _feed_path(b: Bench) -> str:
    feed_url = service("order_calendar.selectors", "feed_url")
    try:
        return urlsplit(feed_url(b.user)).path
    except NoReverseMatch:
        raise Unavailable("no URL named 'calendar:feed'") from None


def _feed_check(_state, response) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if not body.startswith(b"BEGIN:VCALENDAR"):
        raise CheckFailed("the feed is not a calendar")


@scenario("ics-first-build", "ICS feed, open orders, first build ever", target_ms=None)
def ics_first_build(b: Bench) -> Plan:
    """Nothing cached or stored yet (as right after the generator): every event is built.

    Each repetition is rolled back, so whatever the feed stores in the database is gone again."""
    path = _feed_path(b)

    def setup():
        cache.clear()
        try:  # events the app stores per order (rolled back with the repetition)
            from order_calendar.models import OrderCalendarEvent
        except ImportError:
            return
        OrderCalendarEvent.objects.all().delete()

    return Plan(timed=lambda _s: b.get(path), setup=setup, check=_feed_check)


@scenario("ics-cold", "ICS feed, open orders, cold cache", target_ms=1000.0)
def ics_cold(b: Bench) -> Plan:
    """The cache is empty (a restart, another process), whatever the app keeps in its tables
    from earlier requests is there: one committed request first, then the cache is cleared."""
    path = _feed_path(b)
    cache.clear()
    _feed_check(None, b.get(path))  # committed: outside the repetitions' transactions
    return Plan(timed=lambda _s: b.get(path), setup=cache.clear, check=_feed_check)


@scenario("ics-warm", "ICS feed, open orders, warm cache", target_ms=1000.0)
def ics_warm(b: Bench) -> Plan:
    path = _feed_path(b)
    return Plan(timed=lambda _s: b.get(path), check=_feed_check)


@scenario("ics-304", "ICS feed, open orders, If-None-Match answered 304", target_ms=None)
def ics_not_modified(b: Bench) -> Plan:
    """What a calendar client polling an unchanged feed costs (the target: at most 2x the bare
    framework page)."""
    path = _feed_path(b)
    etag = b.get(path)["ETag"]

    return Plan(
        timed=lambda _s: b.client.get(path, secure=True, HTTP_IF_NONE_MATCH=etag),
        expect_status=304,
    )


@scenario("ics-304-all", "ICS feed, every order (include_completed), answered 304", target_ms=None)
def ics_all_not_modified(b: Bench) -> Plan:
    """The same poll of the feed of every order with a target date (ten times the open ones on
    the generated data): a stored generation makes it cost what the open orders' 304 costs."""
    path = _feed_path(b) + "?include_completed=true"
    etag = b.get(path)["ETag"]

    return Plan(
        timed=lambda _s: b.client.get(path, secure=True, HTTP_IF_NONE_MATCH=etag),
        expect_status=304,
    )


@scenario("dashboard", "Dashboard")
def dashboard(b: Bench) -> Plan:
    """As most views see it: nothing changed since the previous one, so the order figures and
    the chart come from the cache."""
    return get_plan(b, url("dashboard"))


@scenario("dashboard-after-change", "Dashboard, first view after orders changed")
def dashboard_after_change(b: Bench) -> Plan:
    """The first view after a write of orders: the figures and the chart are summed again.
    Each repetition moves the orders' change mark on (what a committed order write's trigger
    does; rolled back with the repetition)."""
    path = url("dashboard")
    b.get(path)

    def setup():
        try:
            from order_calendar.models import FeedGeneration
        except ImportError:
            return
        FeedGeneration.objects.filter(pk=1).update(
            generation=F("generation") + 1, changed_at=timezone.now()
        )

    return Plan(timed=lambda _s: b.get(path), setup=setup)


# -- allocation and shipping -------------------------------------------------------------------


def _allocatable_line(order: SalesOrder) -> tuple[SalesOrderLine, StockItem]:
    """A line of the order with something left to allocate, and an item that can cover 1."""
    today = timezone.localdate()
    lines = SalesOrderLine.objects.unallocated().filter(order=order)
    for line in lines.order_by("pk")[:200]:
        item = (
            StockItem.objects.filter(part_id=line.part_id, status=StockItem.Status.OK)
            .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
            .filter(quantity__gte=F("allocated_quantity") + 1)
            .order_by("pk")
            .first()
        )
        if item:
            return line, item
    raise Unavailable(f"no line of {order} has stock to allocate")


def _view(name: str) -> str | None:
    """The URL name if the view exists (args: order, shipment), else None (use the service)."""
    try:
        reverse(name, args=[0, 0])
    except NoReverseMatch:
        return None
    return name


@scenario("allocate-one", "Allocate Stock to one line", group="actions")
def allocate_one(b: Bench) -> Plan:
    order = b.marked("G-AUTO-100")
    line, item = _allocatable_line(order)
    view = _view("shipping:shipment-allocate")

    def timed(shipment):
        if view:
            data = {
                "line": line.pk,
                "stock_item": item.pk,
                "quantity": "1",
                "shipment": shipment.pk,
            }
            return b.post(url(view, order.pk, shipment.pk), data)
        create = service("shipping.services", "allocation_create")
        return create(
            line=line, stock_item=item, shipment=shipment, quantity=Decimal(1), user=b.user
        )

    def check(shipment, _response):
        if not Allocation.objects.filter(shipment=shipment, line=line).exists():
            raise CheckFailed("nothing was allocated")

    return Plan(
        timed=timed,
        setup=lambda: b.new_shipment(order),
        check=check,
        expect_status=(200, 302) if not view else 302,
    )


@scenario("auto-allocate-100", "Auto Allocate a 100-line order", group="actions")
def auto_allocate_100(b: Bench) -> Plan:
    order = b.marked("G-AUTO-100")
    view = _view("shipping:shipment-auto-allocate")

    def timed(shipment):
        if view:
            return b.post(url(view, order.pk, shipment.pk))
        return b.auto_allocate(order, shipment)

    def check(shipment, _response):
        b.notes["auto-allocate-100"] = (
            f"{Allocation.objects.filter(shipment=shipment).count()} allocations made"
        )
        if not Allocation.objects.filter(shipment=shipment).exists():
            raise CheckFailed("Auto Allocate allocated nothing")

    return Plan(
        timed=timed,
        setup=lambda: b.new_shipment(order),
        check=check,
        expect_status=302 if view else None,
    )


@scenario(
    "complete-shipment-300", "Complete Shipment, 300 allocations", target_ms=500.0, group="actions"
)
def complete_shipment_300(b: Bench) -> Plan:
    order = b.marked("G-SHIP-300")
    view = _view("shipping:shipment-complete")

    def setup():
        shipment = b.new_shipment(order)
        b.auto_allocate(order, shipment)
        if b.receive_for_uncovered_lines(order):  # a line without stock: receive some, again
            b.auto_allocate(order, shipment)
        n = Allocation.objects.filter(shipment=shipment).count()
        b.notes["complete-shipment-300"] = f"{n} allocations in the shipment"
        return shipment

    def timed(shipment):
        if view:
            data = {
                "carrier": "DHL",
                "tracking_number": "BENCH-1",
                "shipped_date": timezone.localdate().isoformat(),
            }
            return b.post(url(view, order.pk, shipment.pk), data)
        complete = service("shipping.services", "shipment_complete")
        return complete(shipment=shipment, user=b.user, carrier="DHL", tracking_number="BENCH-1")

    def check(shipment, _response):
        shipment.refresh_from_db()
        if shipment.status == Shipment.Status.PENDING:
            raise CheckFailed("the shipment is still pending")

    return Plan(timed=timed, setup=setup, check=check, expect_status=302 if view else None)


# -- invoicing ---------------------------------------------------------------------------------


@scenario("order-list-invoicing", "Order list, invoicing state Partially invoiced")
def order_list_invoicing(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:list"), {"invoicing": "partially_invoiced"})


@scenario("order-list-to-invoice", "Order list, the 'shipped, not invoiced' work queue")
def order_list_to_invoice(b: Bench) -> Plan:
    return get_plan(b, url("salesorders:list"), {"invoicing": "shipped_not_invoiced"})


@scenario("invoice-list", "Invoice list, first page, default sort")
def invoice_list(b: Bench) -> Plan:
    """The page once invoicing's list view exists; until then the read it makes: the first
    25 rows and the capped count."""
    try:
        return get_plan(b, reverse("invoicing:invoice-list"))
    except NoReverseMatch:
        pass
    from core.lists import COUNT_LIMIT
    from invoicing.models import Invoice

    def timed(_state):
        rows = Invoice.objects.for_list().order_by("-invoice_date", "-pk")
        page = list(rows[:25])
        count = rows.order_by().values("pk")[: COUNT_LIMIT + 1].count()
        b.notes["invoice-list"] = f"{count:,} invoices (capped at {COUNT_LIMIT:,}), selector only"
        return page

    return Plan(timed=timed, expect_status=None)


@scenario(
    "invoice-create-post-1000",
    "Create and post an invoice for a 1,000-line order",
    target_ms=300.0,
    group="actions",
)
def invoice_create_post_1000(b: Bench) -> Plan:
    """G-LARGE-2 (issued, 1,000 lines, half shipped) billed in full under the "on order"
    policy (set in the rolled-back setup), so every line is on the invoice."""
    order = b.marked("G-LARGE-2")
    create = service("invoicing.services", "invoice_create_from_order")
    post = service("invoicing.services", "invoice_post")

    def setup():
        from invoicing.models import InvoiceSettings, InvoicingPolicy

        InvoiceSettings.load()
        InvoiceSettings.objects.filter(pk=1).update(policy=InvoicingPolicy.ON_ORDER)

    def timed(_state):
        return post(invoice=create(order=order, user=b.user), user=b.user)

    def check(_state, invoice):
        b.notes["invoice-create-post-1000"] = f"{invoice.line_count} invoice lines"
        if invoice.number == "" or invoice.line_count < order.line_count:
            raise CheckFailed(f"{invoice} has {invoice.line_count} lines, posted: {invoice.number}")

    return Plan(timed=timed, setup=setup, check=check, expect_status=None)


@scenario("ship-and-invoice-300", "Ship and Invoice, 300 lines", target_ms=500.0, group="actions")
def ship_and_invoice_300(b: Bench) -> Plan:
    order = b.marked("G-SHIP-300")
    ship_and_invoice = service("invoicing.services", "salesorder_ship_and_invoice")

    def setup():
        b.receive_for_uncovered_lines(order)

    def timed(_state):
        return ship_and_invoice(order=order, user=b.user)

    def check(_state, invoice):
        b.notes["ship-and-invoice-300"] = f"{invoice.line_count} invoice lines"
        if not invoice.number:
            raise CheckFailed("the invoice was not posted")

    return Plan(timed=timed, setup=setup, check=check, expect_status=None)


# -- growth: an order built line by line, the streaming export, the bare framework -------------

BUILT_MARK = "G-BUILT-3000"
BUILT_LINES = 3000


def built_order(b: Bench) -> SalesOrder:
    """An issued order of BUILT_LINES lines (fewer on small data), each added through
    salesorders' services one at a time (as people build orders), so the order row carries
    the history of that many edits. Built once and kept (committed), marked by its customer
    PO; about a minute on a quiet machine."""
    found = SalesOrder.objects.filter(customer_reference=BUILT_MARK).order_by("-pk").first()
    if found is not None:
        return found
    create = service("salesorders.services", "salesorder_create")
    add = service("salesorders.services", "salesorder_line_add")
    issue = service("salesorders.services", "salesorder_issue")
    parts = list(
        Part.objects.filter(
            active=True,
            salable=True,
            pk__in=StockItem.objects.allocatable()
            .filter(quantity__gt=F("allocated_quantity"))
            .values("part"),
        ).order_by("pk")[:BUILT_LINES]
    )
    if not parts:  # small data sets (the smoke run) build as many lines as they have parts
        raise Unavailable("no part has free stock")
    customer = Customer.objects.filter(active=True).order_by("pk").first()
    order = create(customer=customer, user=b.user, customer_reference=BUILT_MARK)
    for part in parts:
        add(order=order, part=part, quantity=Decimal("1"), user=b.user)
    return issue(order=order, user=b.user)


@scenario(
    "complete-shipment-3000",
    "Complete Shipment, 3,000 allocations, order built line by line",
    target_ms=500.0,
    group="actions",
)
def complete_shipment_3000(b: Bench) -> Plan:
    order = built_order(b)

    def setup():
        shipment = b.new_shipment(order)
        b.auto_allocate(order, shipment)
        n = Allocation.objects.filter(shipment=shipment).count()
        b.notes["complete-shipment-3000"] = f"{n} allocations in the shipment"
        return shipment

    def timed(shipment):
        data = {"carrier": "DHL", "tracking_number": "BENCH-3000"}
        return b.post(url("shipping:shipment-complete", order.pk, shipment.pk), data)

    def check(shipment, _response):
        shipment.refresh_from_db()
        if shipment.status == Shipment.Status.PENDING:
            raise CheckFailed("the shipment is still pending")

    return Plan(timed=timed, setup=setup, check=check, expect_status=302)


# -- shipping on fresh orders built line by line (committed, one per repetition) ---------------

FRESH_MARK = "G-BUILT-FRESH"
# `python -m bench --reuse-built`: the newest such order of the size is used again instead
# of a new one per repetition (a 3,000-line build takes minutes on a loaded machine), so two
# versions of the code can be compared, alternating, on one built order.
REUSE_BUILT = False


def fresh_built_order(b: Bench, lines: int) -> SalesOrder:
    """A new issued order of `lines` lines, each added through `salesorder_line_add` in its
    own committed transaction (as people build orders: one request per line), so the order
    row carries the history of that many committed edits. Called in a plan's `prepare`: a
    new one for every repetition. Notes how the order table's updates went (HOT or not)."""
    if REUSE_BUILT:
        found = (
            SalesOrder.objects.filter(
                customer_reference=FRESH_MARK,
                line_count=lines,
                status=SalesOrder.Status.ISSUED,
                shipments__isnull=True,
            )
            .order_by("-pk")
            .first()
        )
        if found is not None:
            return found
    create = service("salesorders.services", "salesorder_create")
    add = service("salesorders.services", "salesorder_line_add")
    issue = service("salesorders.services", "salesorder_issue")
    parts = list(
        Part.objects.filter(
            active=True,
            salable=True,
            pk__in=StockItem.objects.allocatable()
            .filter(quantity__gt=F("allocated_quantity"))
            .values("part"),
        ).order_by("pk")[:lines]
    )
    if not parts:
        raise Unavailable("no part has free stock")
    # Small data sets (the smoke run) build as many lines as they have parts with stock.
    customer = Customer.objects.filter(active=True).order_by("pk").first()
    before = _order_table_updates()
    order = create(customer=customer, user=b.user, customer_reference=FRESH_MARK)
    for part in parts:
        add(order=order, part=part, quantity=Decimal("1"), user=b.user)
    issue(order=order, user=b.user)
    order = SalesOrder.objects.get(pk=order.pk)
    after = _order_table_updates()
    if before and after:
        updates, hot = after[0] - before[0], after[1] - before[1]
        b.notes[f"built-{len(parts)}"] = f"order rows updated {updates}x while built, {hot} HOT"
    return order


def _order_table_updates() -> tuple[int, int] | None:
    """(updates, HOT updates) of the order table so far (PostgreSQL statistics; None
    elsewhere). The statistics arrive with a short delay: the figures are approximate."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s",
            [SalesOrder._meta.db_table],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _allocated_shipment(b: Bench, order: SalesOrder, key: str) -> Shipment:
    shipment = b.new_shipment(order)
    b.auto_allocate(order, shipment)
    n = Allocation.objects.filter(shipment=shipment).count()
    if n < order.line_count:
        raise CheckFailed(f"Auto Allocate made {n} allocations for {order.line_count} lines")
    b.notes[key] = f"{n} allocations; " + b.notes.get(f"built-{order.line_count}", "")
    return shipment


def _fresh_complete(lines: int):
    key = f"complete-shipment-built-{lines}"

    def build(b: Bench) -> Plan:
        def setup(order):
            return order, _allocated_shipment(b, order, key)

        def timed(state):
            order, shipment = state
            data = {"carrier": "DHL", "tracking_number": f"BENCH-{lines}"}
            return b.post(url("shipping:shipment-complete", order.pk, shipment.pk), data)

        def check(state, _response):
            order, shipment = state
            shipment.refresh_from_db()
            if shipment.status == Shipment.Status.PENDING:
                raise CheckFailed("the shipment is still pending")
            shipped = SalesOrderLine.objects.filter(order=order, shipped_quantity=1).count()
            if shipped != order.line_count:
                raise CheckFailed(f"{shipped} of {order.line_count} lines shipped")

        return Plan(
            timed=timed,
            prepare=lambda: fresh_built_order(b, lines),
            setup=setup,
            check=check,
            expect_status=302,
        )

    return build


for _lines in (30, 300, 3000):
    scenario(
        f"complete-shipment-built-{_lines}",
        f"Complete Shipment, {_lines:,} allocations, fresh order built line by line",
        target_ms=500.0,
        group="actions",
    )(_fresh_complete(_lines))


@scenario(
    "auto-allocate-built-3000",
    "Auto Allocate, 3,000 lines, fresh order built line by line",
    target_ms=None,
    group="actions",
)
def auto_allocate_built_3000(b: Bench) -> Plan:
    def timed(state):
        order, shipment = state
        return b.auto_allocate(order, shipment)

    def check(state, result):
        order, shipment = state
        n = Allocation.objects.filter(shipment=shipment).count()
        b.notes["auto-allocate-built-3000"] = f"{n} allocations made"
        if n < order.line_count:
            raise CheckFailed(f"{n} allocations for {order.line_count} lines")

    return Plan(
        timed=timed,
        prepare=lambda: fresh_built_order(b, 3000),
        setup=lambda order: (order, b.new_shipment(order)),
        check=check,
        expect_status=None,
    )


@scenario(
    "delete-shipment-built-3000",
    "Delete Shipment, 3,000 allocations, fresh order built line by line",
    target_ms=500.0,
    group="actions",
)
def delete_shipment_built_3000(b: Bench) -> Plan:
    key = "delete-shipment-built-3000"

    def timed(state):
        order, shipment = state
        return b.post(url("shipping:shipment-delete", order.pk, shipment.pk))

    def check(state, _response):
        order, shipment = state
        if Shipment.objects.filter(pk=shipment.pk).exists():
            raise CheckFailed("the shipment is still there")
        if SalesOrderLine.objects.filter(order=order, allocated_quantity__gt=0).exists():
            raise CheckFailed("lines still count allocated stock")

    return Plan(
        timed=timed,
        prepare=lambda: fresh_built_order(b, 3000),
        setup=lambda order: (order, _allocated_shipment(b, order, key)),
        check=check,
        expect_status=302,
    )


@scenario(
    "cancel-order-built-3000",
    "Cancel Order, 3,000 allocations pending, fresh order built line by line",
    target_ms=500.0,
    group="actions",
)
def cancel_order_built_3000(b: Bench) -> Plan:
    key = "cancel-order-built-3000"
    cancel = service("shipping.services", "salesorder_cancel")

    def timed(state):
        order, _shipment = state
        return cancel(order=order, user=b.user, reason="Bench")

    def check(state, _response):
        order, _shipment = state
        order.refresh_from_db()
        if order.status != SalesOrder.Status.CANCELLED:
            raise CheckFailed(f"{order} is {order.status}")

    return Plan(
        timed=timed,
        prepare=lambda: fresh_built_order(b, 3000),
        setup=lambda order: (order, _allocated_shipment(b, order, key)),
        check=check,
        expect_status=None,
    )


@scenario("export-orders", "Order list CSV export, every order", target_ms=5000.0, group="export")
def export_orders(b: Bench) -> Plan:
    """The whole export read as a client would; notes the rows, the first chunk's time and
    how much the process's peak RSS grew (ru_maxrss) over the run."""
    path = url("salesorders:list")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first_bytes: list[float] = []

    def timed(_state):
        started = time.perf_counter()
        response = b.get(path, {"_export": "csv"})
        rows = 0
        for chunk in response.streaming_content:
            if rows == 0:
                first_bytes.append((time.perf_counter() - started) * 1000)
            rows += chunk.count(b"\n")
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
        b.notes["export-orders"] = (
            f"{rows - 1:,} rows, first byte {statistics.median(first_bytes):.0f} ms, "
            f"peak RSS +{grown:.0f} MiB"
        )
        return response

    return Plan(timed=timed)


@scenario("baseline", "Bare framework: a logged-in page rendering base.html", group="baseline")
def baseline(b: Bench) -> Plan:
    return get_plan(b, url("bench-baseline"))
