"""python -m bench concurrency: allocation and shipping under real concurrency, over HTTP.

Starts gunicorn (loopback only, several worker processes) against the configured PostgreSQL
database and runs two tests against rows it creates for the purpose (customer code G-BENCH-...,
removed afterwards unless --keep):

1. The classic race, in bursts: 20 orders each want 1 unit of a stock item that holds 5; 20
   clients post Allocate Stock at the same moment. Exactly 5 may succeed, in every burst.
2. Throughput: N client processes, each logged in, loop for a fixed time over their own orders:
   New Shipment, Allocate Stock (1-3 lines, 1-3 units, from stock items shared by everyone,
   some nearly empty), Complete Shipment. Reported: requests and shipments per second, refusals
   (the app said no, as it should when stock runs out), errors (5xx, timeouts), and the
   invariant check: nothing over-allocated, counters equal the sums of pending allocations,
   shipped quantities equal the shipped movements.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import Q, Sum, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from bench.invariants import check
from bench.scenarios import BENCH_USERNAME, bench_user
from customers.models import Customer
from inventory.models import Part, StockItem, StockLocation, StockMovement
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Allocation, Shipment

ROOT = Path(__file__).resolve().parent.parent
BURSTS = 6
BURST_CLIENTS = 20
BURST_STOCK = 5


# -- a tiny HTTP client with cookies and CSRF ------------------------------------------------


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """Cookies by hand: the app marks them Secure, and this talks plain HTTP on loopback."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = build_opener(_NoRedirect)

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, bytes]:
        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(data).encode()
        request = Request(self.base + path, data=body, method=method)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            response = self.opener.open(request, timeout=60)
        except HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, response.read()

    def login(self, username: str, password: str) -> None:
        self.request("GET", reverse("login"))
        status, _ = self.request(
            "POST", reverse("login"), {"username": username, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"login failed (HTTP {status})")


# -- fixture rows ----------------------------------------------------------------------------


def _order(customer: Customer, reference: str) -> SalesOrder:
    return SalesOrder.objects.create(
        reference=reference,
        reference_number=0,
        customer=customer,
        customer_name=customer.name,
        currency=customer.currency,
        status=SalesOrder.Status.ISSUED,
        order_date=timezone.localdate(),
        issued_at=timezone.now(),
    )


def _lines(order: SalesOrder, parts: list[Part], quantity: Decimal) -> list[SalesOrderLine]:
    lines = SalesOrderLine.objects.bulk_create(
        SalesOrderLine.from_part(order=order, part=part, quantity=quantity, sort_order=n)
        for n, part in enumerate(parts, start=1)
    )
    SalesOrder.objects.filter(pk=order.pk).update(
        line_count=len(lines),
        subtotal=sum(line.subtotal for line in lines),
        tax_total=sum(line.tax_amount for line in lines),
        total=sum(line.total for line in lines),
    )
    return lines


def _item(part: Part, location: StockLocation, quantity: int) -> StockItem:
    item = StockItem.objects.create(part=part, location=location, quantity=quantity)
    StockMovement.objects.create(
        stock_item=item,
        part=part,
        kind=StockMovement.Kind.RECEIVED,
        quantity_delta=quantity,
        quantity_after=quantity,
        to_location=location,
        reference="Bench concurrency",
    )
    return item


@transaction.atomic
def build_fixture(stamp: str, *, clients: int, orders_per_client: int = 5) -> dict:
    customer = Customer.objects.create(code=f"G-BENCH-{stamp}", name=f"Bench concurrency {stamp}")
    location = StockLocation.objects.create(name=f"G-Bench {stamp}")
    parts = [
        Part.objects.create(
            sku=f"G-BENCH-{stamp}-{n}", name=f"Bench part {n}", list_price=Decimal("1")
        )
        for n in range(9)
    ]
    prefetch_related_objects(parts, "price_breaks")  # no query per line
    burst_part, shared = parts[0], parts[1:]
    bursts = []
    for b in range(BURSTS):
        item = _item(burst_part, location, BURST_STOCK)
        wants = []
        for n in range(BURST_CLIENTS):
            order = _order(customer, f"G-BENCH-{stamp}-B{b}-{n}")
            (line,) = _lines(order, [burst_part], Decimal(1))
            shipment = Shipment.objects.create(order=order, reference="1")
            wants.append({"order": order.pk, "line": line.pk, "shipment": shipment.pk})
        bursts.append({"item": item.pk, "wants": wants})
    # Shared stock: per part three ample items and one nearly empty one (contention).
    items = {}
    for part in shared:
        items[part.pk] = [_item(part, location, q).pk for q in (3000, 3000, 3000, 4)]
    work = []
    for c in range(clients):
        mine = []
        for n in range(orders_per_client):
            order = _order(customer, f"G-BENCH-{stamp}-T{c}-{n}")
            lines = _lines(order, shared, Decimal(100000))
            mine.append({"order": order.pk, "lines": [(ln.pk, ln.part_id) for ln in lines]})
        work.append(mine)
    return {
        "stamp": stamp,
        "customer": customer.pk,
        "location": location.pk,
        "parts": [p.pk for p in parts],
        "bursts": bursts,
        "items": items,
        "work": work,
    }


def scope(fixture: dict) -> dict:
    return {
        "items": Q(part_id__in=fixture["parts"]),
        "lines": Q(order__customer_id=fixture["customer"]),
        "orders": Q(customer_id=fixture["customer"]),
    }


def remove_fixture(fixture: dict) -> None:
    with transaction.atomic():
        orders = SalesOrder.objects.filter(customer_id=fixture["customer"])
        items = StockItem.objects.filter(part_id__in=fixture["parts"])
        StockMovement.objects.filter(stock_item__in=items).delete()
        Allocation.objects.filter(line__order__in=orders).delete()
        Shipment.objects.filter(order__in=orders).delete()
        orders.delete()
        items.delete()
        Part.objects.filter(pk__in=fixture["parts"]).delete()
        StockLocation.objects.filter(pk=fixture["location"]).delete()
        Customer.objects.filter(pk=fixture["customer"]).delete()


# -- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        # The server as in production: psycopg's pool, one connection per gunicorn thread.
        # (Only the server: a pool does not survive the fork of the client processes.)
        "DATABASE_POOL_SIZE": os.environ.get("BENCH_SERVER_POOL_SIZE", "4"),
    }
    env.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [  # the production settings (gunicorn.conf.py), on loopback
        str(gunicorn),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--access-logfile",
        "/dev/null",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not start within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# -- the two tests ---------------------------------------------------------------------------


def allocate_path(order: int, shipment: int) -> str:
    return reverse("shipping:shipment-allocate", args=[order, shipment])


def run_burst(base: str, password: str, burst: dict) -> dict:
    sessions = []
    for _ in burst["wants"]:
        session = Session(base)
        session.login(BENCH_USERNAME, password)
        sessions.append(session)
    barrier = threading.Barrier(len(sessions))
    statuses: list[int] = [0] * len(sessions)

    def go(k: int) -> None:
        want = burst["wants"][k]
        data = {
            "line": want["line"],
            "stock_item": burst["item"],
            "quantity": "1",
            "shipment": want["shipment"],
        }
        path = allocate_path(want["order"], want["shipment"])
        try:
            barrier.wait()
            statuses[k] = sessions[k].request("POST", path, data)[0]
        except (URLError, OSError):
            statuses[k] = -1

    threads = [threading.Thread(target=go, args=(k,)) for k in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    allocated = Allocation.objects.filter(stock_item_id=burst["item"]).aggregate(s=Sum("quantity"))
    item = StockItem.objects.get(pk=burst["item"])
    return {
        "requests": len(statuses),
        "succeeded": statuses.count(302),
        "refused": statuses.count(200),
        "errors": sum(1 for s in statuses if s not in (200, 302)),
        "allocated": float(allocated["s"] or 0),
        "item_allocated_quantity": float(item.allocated_quantity),
        "item_quantity": float(item.quantity),
    }


def client_loop(k: int, base: str, password: str, orders: list, items: dict, seconds: float):
    """One client process: New Shipment, Allocate Stock, Complete Shipment, until time is up."""
    connections.close_all()  # never share the parent's database connection
    rng = random.Random(k)
    session = Session(base)
    outcome: Counter = Counter()
    for _attempt in range(120):  # a person logs in again when the database was away (503)
        try:
            session.login(BENCH_USERNAME, password)
            break
        except (RuntimeError, URLError, OSError):
            outcome["login retried"] += 1  # a 503 while the database was away
            time.sleep(0.5)
    today = timezone.localdate().isoformat()
    end = time.monotonic() + seconds
    n = 0

    def read(query):
        """A read of the client's own through the ORM, waiting out a stopped database."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return query()
            except (OperationalError, InterfaceError):
                connections.close_all()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def post(kind: str, path: str, data: dict) -> int:
        try:
            status = session.request("POST", path, data)[0]
        except (URLError, OSError):
            status = -1
        outcome["requests"] += 1
        outcome[f"{kind} {status}"] += 1
        if status >= 500 or status < 0:
            outcome["errors"] += 1
        return status

    while time.monotonic() < end:
        n += 1
        order = rng.choice(orders)
        reference = f"c{k}-{n}"
        created = post(
            "new-shipment",
            reverse("shipping:shipment-create", args=[order["order"]]),
            {"reference": reference},
        )
        shipment = read(
            lambda order=order, reference=reference: (
                Shipment.objects.filter(order_id=order["order"], reference=reference)
                .values_list("pk", flat=True)
                .first()
            )
        )
        if shipment is None:
            outcome["shipment not created"] += 1
            if created == 302:
                outcome["lost"] += 1  # acknowledged, not there
            continue
        allocated = 0
        for line, part in rng.sample(order["lines"], rng.randint(1, 3)):
            data = {
                "line": line,
                "stock_item": rng.choice(items[part]),
                "quantity": str(rng.randint(1, 3)),
                "shipment": shipment,
            }
            allocated += post("allocate", allocate_path(order["order"], shipment), data) == 302
        path = reverse("shipping:shipment-complete", args=[order["order"], shipment])
        completed = post(
            "complete",
            path,
            {"carrier": "DHL", "tracking_number": f"T{k}-{n}", "shipped_date": today},
        )
        if completed == 302 and allocated:
            status = read(
                lambda pk=shipment: Shipment.objects.values_list("status", flat=True).get(pk=pk)
            )
            if status != Shipment.Status.SHIPPED:
                outcome["lost"] += 1  # acknowledged Complete Shipment, not shipped
    connections.close_all()
    return dict(outcome)


def stop_database_during(pg, *, after: float, seconds: float) -> threading.Thread:
    """Stop our own PostgreSQL (`pg`, bench.pgcluster) `after` seconds from now for
    `seconds`, then start it again; the clients and the app must ride it out."""

    def cycle() -> None:
        time.sleep(after)
        pg.stop()
        print(f"PostgreSQL stopped for {seconds:g} s")
        time.sleep(seconds)
        pg.start()
        print("PostgreSQL started again")

    thread = threading.Thread(target=cycle, daemon=True)
    thread.start()
    return thread


def run_throughput(
    base: str, password: str, fixture: dict, seconds: float, *, stop_database=None
) -> dict:
    connections.close_all()  # the children fork from here
    context = multiprocessing.get_context("fork")
    items = {int(k): v for k, v in fixture["items"].items()}
    started = time.monotonic()
    stopper = stop_database() if stop_database else None
    with context.Pool(len(fixture["work"])) as pool:
        outcomes = pool.starmap(
            client_loop,
            [
                (k, base, password, orders, items, seconds)
                for k, orders in enumerate(fixture["work"])
            ],
        )
    elapsed = time.monotonic() - started
    if stopper is not None:
        stopper.join()
    total: Counter = Counter()
    for outcome in outcomes:
        total.update(outcome)
    shipped = Shipment.objects.filter(
        order__customer_id=fixture["customer"],
        status=Shipment.Status.SHIPPED,
        order__reference__contains=f"{fixture['stamp']}-T",
    ).count()
    allocations = Allocation.objects.filter(line__order__customer_id=fixture["customer"]).exclude(
        line__order__reference__contains=f"{fixture['stamp']}-B"
    )
    return {
        "clients": len(fixture["work"]),
        "seconds": round(elapsed, 1),
        "requests": total["requests"],
        "requests_per_second": round(total["requests"] / elapsed, 1),
        "shipments_completed": shipped,
        "shipments_per_second": round(shipped / elapsed, 2),
        "allocations_made": allocations.count(),
        "errors": total["errors"],
        "status_503": sum(v for k, v in total.items() if k.endswith(" 503"))
        + total["login retried"],
        "status_500": sum(v for k, v in total.items() if k.endswith(" 500")),
        "lost": total["lost"],
        "by_outcome": {k: v for k, v in sorted(total.items()) if " " in k},
    }


def main(args) -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("The concurrency benchmark needs PostgreSQL (set DATABASE_URL).", file=sys.stderr)
        return 2
    password = secrets.token_urlsafe(16)
    bench_user(password)
    stamp = dt.datetime.now().strftime("%H%M%S")
    fixture = build_fixture(stamp, clients=args.clients)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"gunicorn with {args.workers} workers on {base}; {args.clients} clients")
    server = start_server(port, args.workers)
    try:
        bursts = [run_burst(base, password, burst) for burst in fixture["bursts"]]
        pg, down = getattr(args, "own_postgres_cluster", None), args.stop_database_for
        stop = (
            (lambda: stop_database_during(pg, after=args.seconds / 2, seconds=down))
            if pg is not None and down
            else None
        )
        throughput = run_throughput(base, password, fixture, args.seconds, stop_database=stop)
    finally:
        stop_server(server)
    problems = check(scope=scope(fixture))
    report = {
        "started": stamp,
        "workers": args.workers,
        "bursts": bursts,
        "throughput": throughput,
        "invariants": problems or "all hold",
    }
    for n, burst in enumerate(bursts, start=1):
        print(
            f"burst {n}: {burst['requests']} concurrent Allocate Stock of 1 unit against "
            f"{BURST_STOCK}: {burst['succeeded']} succeeded, {burst['refused']} refused, "
            f"{burst['errors']} errors; allocated {burst['allocated']:g} "
            f"(item counter {burst['item_allocated_quantity']:g})"
        )
    t = throughput
    print(
        f"throughput: {t['clients']} clients for {t['seconds']} s: {t['requests']} requests "
        f"({t['requests_per_second']}/s), {t['shipments_completed']} shipments completed "
        f"({t['shipments_per_second']}/s), {t['allocations_made']} allocations, "
        f"{t['errors']} errors"
    )
    print(f"503: {t['status_503']}, 500: {t['status_500']}, acknowledged but lost: {t['lost']}")
    print(f"outcomes: {t['by_outcome']}")
    print(f"invariants: {problems or 'all hold'}")
    if not args.keep:
        remove_fixture(fixture)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"concurrency-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2))
    print(f"Results written to {path}")
    exact = all(b["allocated"] == BURST_STOCK and b["errors"] == 0 for b in bursts)
    # With the database stopped on purpose, 503s are the expected answer; 500s and losses not.
    errors = (
        throughput["status_500"] + throughput["lost"]
        if args.stop_database_for
        else (throughput["errors"])
    )
    return 0 if exact and not problems and not errors else 1
