"""Bad input gets a clear message, a 4xx where it is not a form, and nothing half-written.
A server error page is a bug.

Every page of ours (the admin aside) is opened by a superuser against a realistic data set:
GET with garbage query parameters, POST with garbage in every field the forms and actions read,
a garbage value in one kind of field at a time while the others hold valid values, so the
garbage reaches the services too. Each request runs in a savepoint that is rolled back, so
every one of them meets the same data.

PostgreSQL refuses text containing NUL ("\\x00") where SQLite stores it; the queries here are
watched so that NUL reaching the database fails on SQLite too.
"""

import datetime
import re
import traceback
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import DataError, connection, transaction
from django.http import QueryDict
from django.urls import get_resolver
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounting import services as accounting_services
from approvals.models import ApprovalRule
from core.attachments import attachment_add
from core.models import JobState
from invoicing import services as invoice_services
from order_calendar import selectors, services
from quotes import services as quote_services
from salesorders import services as order_services
from salesorders.models import SalesOrder
from shipping import services as shipping_services
from tests.attachment_samples import upload
from tests.config.test_access import _walk
from tests.factories import (
    PASSWORD,
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    PartFactory,
    PriceBreakFactory,
    StockItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROUTES = {
    name: route
    for name, route in _walk(get_resolver().url_patterns)
    # The API is fuzzed against its schema by tests/api/test_schemathesis.py.
    if name and not route.startswith(("admin/", "^admin/", "api/")) and "(?P" not in route
}

# Pages whose valid POST logs out or in again, which the rollback turns into no session.
SESSION_CHANGING = {"login", "logout", "password_change"}
BIG = "99999999999999999999"
LONG = "x" * 5000

# Query strings no link of ours makes: every list, page and feed must answer them with a page
# (or a 4xx) that says what is wrong.
GARBAGE_QUERIES = [
    {"page": "abc", "per_page": "-5", "sort": "nonexistent"},
    {"page": BIG, "per_page": "abc", "sort": "-\x00"},
    {"page": "0", "per_page": BIG, "sort": "-"},
    {"month": "2026-13", "status": "bogus", "customer": "%"},
    {"month": "abc"},
    {"month": "0000-01"},
    {"month": "99999-01", "include_completed": "maybe"},
    {"include_completed": "\x00"},
    {
        "order_date_after": "2026-02-30",
        "target_date_before": "abc",
        "total_min": "abc",
        "total_max": "1e400",
        "overdue": "maybe",
    },
    {"target_after": "2026-02-30", "target_before": "0000-00-00", "fillable": "maybe"},
    {"shipped_after": "2026-02-30", "shipped_before": "abc", "status": "bogus"},
    {"lines_page": "0", "edit": "abc", "line": "xyz"},
    {"lines_page": "-1", "edit": BIG, "line": "²", "stock_item": "²"},
    {"lines_page": BIG, "line": BIG, "stock_item": BIG},
    {"_export": "csv", "status": "bogus", "target_after": "2026-02-30", "fillable": "maybe"},
    {"_export": "csv", "customer": "\x00"},
    {"_export": "xlsx"},
    {"q": "\x00", "customer": "\x00", "part": "\x00", "carrier": "\x00", "month": "\x00"},
    {"q": LONG, "customer": LONG, "part": LONG},
    {"customer": "²", "part": "²"},
    {"customer": BIG, "part": BIG},
    {"location": "abc", "status": "bogus", "active": "maybe", "salable": "maybe"},
    {"currency": "bogus", "unit": "bogus", "location": BIG},
]


def garbage_next_to_real_rows(world) -> list[dict]:
    """Garbage a page meets only once a parameter before it names a real row."""
    w = world
    return [
        {"line": w.line.pk, "stock_item": "²"},
        {"line": w.line.pk, "stock_item": BIG},
        {"line": w.line.pk, "stock_item": w.item.pk, "edit": w.line.pk, "lines_page": "2"},
        {"customer": w.customer.pk, "part": w.spare_part.pk, "status": "ok"},
    ]


# Kinds of field, the names the forms and actions give them, and the garbage to try.
NUMBER_GARBAGE = ["abc", "1e400", "-1", "NaN", "99999999999999", "0.00001"]
KINDS = {
    "version": (["version"], ["x", "", "-1", BIG, "1.5", "²"]),
    "quantity": (["quantity", "new_quantity", "breaks-0-min_quantity"], NUMBER_GARBAGE),
    "price": (
        ["unit_price", "list_price", "credit_limit", "breaks-0-unit_price"],
        [*NUMBER_GARBAGE, "-0.0001"],
    ),
    "percent": (["discount_percent"], ["101", "-1", "NaN", "1e400", "abc"]),
    "date": (
        [
            "order_date",
            "target_date",
            "requested_delivery_date",
            "shipped_date",
            "delivery_date",
            "received_date",
            "expiry_date",
            "target_after",
            "target_before",
            "start",
            "end",
            "payment_date",
            "invoice_date",
        ],
        ["2026-02-30", "abc", "99999-01-01", "0000-00-00", "\x00"],
    ),
    "choice of a row": (
        [
            "part",
            "stock_item",
            "shipment",
            "line",
            "customer",
            "contact",
            "tax_rate",
            "default_tax_rate",
            "location",
            "salesperson",
        ],
        ["999999", "abc", "", BIG, "²", "-1", "none", "\x00"],
    ),
    "whole number": (["priority", "payment_terms_days"], ["abc", BIG, "-99999", "1e3"]),
    "money": (["amount"], [*NUMBER_GARBAGE, "0", "-0.01"]),
    "selected rows": (["select"], ["abc", "", BIG, "²", "\x00"]),
    "choice": (
        ["status", "unit", "currency", "country", "fillable", "salable", "active", "method"],
        ["bogus", "", "\x00"],
    ),
    "text": (
        [
            "reason",
            "notes",
            "reference",
            "carrier",
            "tracking_number",
            "description",
            "name",
            "code",
            "sku",
            "email",
            "phone",
            "website",
            "tax_number",
            "address",
            "ship_to",
            "bill_to",
            "customer_reference",
            "batch_code",
            "serial_number",
            "label",
            "line1",
            "line2",
            "city",
            "region",
            "postcode",
            "role",
            "next",
            "username",
            "password",
            "old_password",
            "new_password1",
            "new_password2",
        ],
        [LONG, "a\x00b", "\x00", "   "],
    ),
    "formset": (
        ["breaks-TOTAL_FORMS", "breaks-INITIAL_FORMS"],
        ["abc", "-1", "99999999", ""],
    ),
    "reference pattern": (
        ["reference_pattern"],
        ["{", "{ref:099999999999d}", "{ref:x}", "{ref!r}", "{ref}{ref}", "{0}", "{date:%Q}"],
    ),
}


@pytest.fixture
def world(db, settings):
    """A customer with an address and a contact, a part with a price break and two stock
    items, an issued order with two lines and an extra line, a shipped shipment and a
    pending one with an allocation; and a pending order with a line and an extra line."""
    # Logging in and changing the password dozens of times: a hasher that takes no time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    today = timezone.localdate()
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    customer = CustomerFactory(name="Acme Tools")
    address = AddressFactory(customer=customer, is_default_shipping=True, is_default_billing=True)
    contact = ContactFactory(customer=customer)
    part = PartFactory(sku="BOLT-1")
    PriceBreakFactory(part=part)
    spare_part = PartFactory(sku="NUT-1")  # on no order: what a new line may be
    item = StockItemFactory(part=part, quantity=Decimal("100"))
    other_item = StockItemFactory(part=part, quantity=Decimal("50"))

    def new_order(**kwargs):
        return order_services.salesorder_create(
            customer=customer, user=admin, target_date=today + datetime.timedelta(days=14), **kwargs
        )

    order = new_order(contact=contact)
    line = order_services.salesorder_line_add(
        order=order, part=part, quantity=Decimal("20"), user=admin
    )
    order_services.salesorder_line_add(  # no stock: a backorder
        order=order, part=PartFactory(), quantity=Decimal("5"), user=admin
    )
    extra = order_services.salesorder_extra_line_add(
        order=order, description="Shipping", unit_price=Decimal("15"), user=admin
    )
    order_services.salesorder_issue(order=order, user=admin)
    shipped = shipping_services.shipment_create(order=order, user=admin)
    shipped_allocation = shipping_services.allocation_create(
        line=line, stock_item=item, shipment=shipped, quantity=Decimal("5"), user=admin
    )
    shipping_services.shipment_complete(
        shipment=shipped, user=admin, carrier="DHL", tracking_number="1Z999"
    )
    pending = shipping_services.shipment_create(order=order, user=admin)
    allocation = shipping_services.allocation_create(
        line=line, stock_item=other_item, shipment=pending, quantity=Decimal("4"), user=admin
    )

    draft = new_order()
    draft_line = order_services.salesorder_line_add(
        order=draft, part=part, quantity=Decimal("2"), user=admin
    )
    draft_extra = order_services.salesorder_extra_line_add(
        order=draft, description="Handling", unit_price=Decimal("5"), user=admin
    )
    # Invoices of the shipped goods: a posted one with a payment, its part-shipped rest...
    posted = invoice_services.invoice_post(
        invoice=invoice_services.invoice_create_from_order(
            order=order, quantities={line.pk: Decimal("2")}, user=admin
        ),
        user=admin,
    )
    payment = invoice_services.payment_record(
        invoice=posted, amount=Decimal("1"), payment_date=None, user=admin
    )
    # ... and a draft of the rest, with a free line.
    invoice_draft = invoice_services.invoice_create_from_order(order=order, user=admin)
    invoice_file = attachment_add(
        parent=invoice_draft, uploaded_file=upload("po.txt", b"PO 1"), category="other", user=admin
    )
    invoice_line = invoice_services.invoice_line_add(
        invoice=invoice_draft,
        description="Handling",
        quantity=Decimal("1"),
        unit_price=Decimal("4"),
        user=admin,
    )
    services.feed_token_regenerate(user=admin)
    customer_file, order_file, draft_file = (
        attachment_add(
            parent=parent, uploaded_file=upload("po.txt", b"PO 1"), category="other", user=admin
        )
        for parent in (customer, order, draft)
    )
    period = accounting_services.period_create(
        name="Last year", start=today.replace(year=today.year - 1), end=today, user=admin
    )
    rule = ApprovalRule.objects.create(
        name="Large", condition="total_at_least", threshold=Decimal("1"), approver_user=admin
    )
    quote = quote_services.quote_create(customer=customer, user=admin)
    quote_line = quote_services.quote_line_add(
        quote=quote, part=part, quantity=Decimal("3"), user=admin
    )
    return SimpleNamespace(**locals())


def url_kwargs(name: str, world) -> list[dict]:
    """The URL kwargs of `name` for each object its pages are tried on."""
    w = world
    app, _, page = name.partition(":")
    if app == "customers":
        pk = {"address": w.address.pk, "contact": w.contact.pk}.get(page.split("-")[0])
        return [
            {
                "customer_pk": w.customer.pk,
                "pk": pk or w.customer.pk,
                "attachment_pk": w.customer_file.pk,
            }
        ]
    if app == "inventory":
        return [{"pk": w.part.pk if page.startswith("part") else w.item.pk}]
    if app == "approvals":
        return [{"pk": w.rule.pk}]
    if app == "salesorders":
        return [
            {
                "pk": w.order.pk,
                "line_pk": w.line.pk,
                "extra_pk": w.extra.pk,
                "action": "cancel",
                "attachment_pk": w.order_file.pk,
            },
            {
                "pk": w.draft.pk,
                "line_pk": w.draft_line.pk,
                "extra_pk": w.draft_extra.pk,
                "action": "hold",
                "attachment_pk": w.draft_file.pk,
            },
        ]
    if app == "accounting":
        return [{"pk": w.period.pk, "action": action} for action in ("close", "reopen")]
    if app == "quotes":
        return [
            {"pk": w.quote.pk, "line_pk": w.quote_line.pk, "action": action}
            for action in ("make_order", "decline")
        ]
    if app == "invoicing":
        invoicing = [
            {"pk": w.posted.pk, "line_pk": w.posted.lines.first().pk, "action": "void"},
            {"pk": w.invoice_draft.pk, "line_pk": w.invoice_line.pk, "action": "delete"},
        ]
        return [
            {
                **kwargs,
                "order_pk": w.order.pk,
                "payment_pk": w.payment.pk,
                "attachment_pk": w.invoice_file.pk,
            }
            for kwargs in invoicing
        ]
    if app == "shipping":
        shipping = [
            {"order_pk": w.order.pk, "pk": w.pending.pk, "allocation_pk": w.allocation.pk},
            {"order_pk": w.order.pk, "pk": w.shipped.pk, "allocation_pk": w.shipped_allocation.pk},
        ]
        return [{**kwargs, "line_pk": w.line.pk} for kwargs in shipping]
    if name == "job-retry":  # a dead job (core.tasks), and one that no longer exists
        dead = JobState.objects.create(
            job_id=uuid.uuid4(),
            current_result_id=uuid.uuid4(),
            task_path="core.emails.send_document_email",
            args_kwargs={"args": [0], "kwargs": {}},
            status=JobState.Status.DEAD,
            max_attempts=1,
            attempts=1,
            first_enqueued_at=timezone.now(),
        )
        return [{"pk": dead.pk}, {"pk": dead.pk + 1000}]
    return [
        {"user_id": w.admin.pk, "token": selectors.feed_token(w.admin), "token_key": "not-a-key"}
    ]


def to_path(route: str, kwargs: dict) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    return "/" + path


def valid_post(world, order_pk: int) -> dict:
    """A value each field accepts, so garbage in one field meets valid ones in the others."""
    w = world
    today = timezone.localdate().isoformat()
    return {
        "version": SalesOrder.objects.get(pk=order_pk).version,
        "reason": "Customer asked",
        "quantity": "3",
        "new_quantity": "90",
        "unit_price": "2.5",
        "discount_percent": "5",
        "tax_rate": "",
        "part": w.spare_part.pk,
        "description": "Handling",
        "notes": "",
        "line": w.line.pk,
        "stock_item": w.other_item.pk,
        "shipment": w.pending.pk,
        "carrier": "DHL",
        "tracking_number": "1Z999",
        "address": "1 Dock Road",
        "reference": "",
        "customer": w.customer.pk,
        "contact": w.contact.pk,
        "salesperson": w.admin.pk,
        "order_date": today,
        "target_date": "",
        "priority": "0",
        "currency": "EUR",
        "customer_reference": "PO-1",
        "ship_to": "1 Dock Road",
        "bill_to": "1 Dock Road",
        "name": "Fuzz Ltd",
        "email": "fuzz@example.com",
        "payment_terms_days": "30",
        "credit_limit": "1000",
        "label": "Depot",
        "line1": "1 Road",
        "city": "Berlin",
        "postcode": "10115",
        "country": "Germany",
        "role": "Buyer",
        "sku": "FUZZ-1",
        "unit": "pcs",
        "list_price": "3",
        "salable": "on",
        "active": "on",
        "default_tax_rate": w.part.default_tax_rate_id,
        "breaks-TOTAL_FORMS": "1",
        "breaks-INITIAL_FORMS": "0",
        "breaks-0-min_quantity": "20",
        "breaks-0-unit_price": "8",
        "location": w.item.location_id,
        "status": "ok",
        "batch_code": "B1",
        "received_date": today,
        "reference_pattern": "SO-{ref:04d}",
        "start": "2040-01-01",
        "end": "2040-01-31",
        "amount": "1.00",
        "payment_date": today,
        "invoice_date": today,
        "method": "bank_transfer",
        "select": w.order.pk,
        f"quantity_{w.line.pk}": "1",
        "next": "/",
        "old_password": PASSWORD,
        "new_password1": "another-long-passphrase-42",
        "new_password2": "another-long-passphrase-42",
    }


def post_variants(valid: dict, read: set[str]):
    """(what, data): each kind of field the view read holding each of its garbage values."""
    for kind, (fields, values) in KINDS.items():
        if read.isdisjoint(fields):
            continue
        for value in values:
            yield f"{kind} = {value[:20]!r}", {**valid, **dict.fromkeys(fields, value)}


@contextmanager
def names_read():
    """Collect the names a view looks up in request.GET or request.POST: garbage in a
    parameter no view reads cannot break it, and leaving it out keeps the test fast."""
    names: set[str] = set()
    originals = {
        method: getattr(MultiValueDict, method)
        for method in ("__getitem__", "__contains__", "get", "getlist", "pop")
    }

    def recording(original):
        def method(self, key, *args, **kwargs):
            if isinstance(self, QueryDict):  # not the URL resolver's MultiValueDicts
                names.add(key)
            return original(self, key, *args, **kwargs)

        return method

    try:
        for method, original in originals.items():
            setattr(MultiValueDict, method, recording(original))
        yield names
    finally:
        for method, original in originals.items():
            setattr(MultiValueDict, method, original)


def refuse_nul(execute, sql, params, many, context):
    """Fail like PostgreSQL does when text with NUL reaches the database."""
    if many:
        params = list(params)
    for row in params if many else [params]:
        values = row.values() if isinstance(row, dict) else row or ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    return execute(sql, params, many, context)


def _where(error: BaseException) -> str:
    """The innermost frame of our own code the exception went through."""
    ours = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "/.venv/" not in frame.filename and "/tests/" not in frame.filename
    ]
    if not ours:
        return ""
    frame = ours[-1]
    return f" at {Path(frame.filename).name}:{frame.lineno} {frame.line}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_garbage_input_never_gets_a_server_error(client, world, name):
    """GET with garbage query parameters and POST with garbage fields: a page, a redirect
    or a 4xx, never an exception or a 5xx."""
    client.force_login(world.admin)
    failures = []

    def attempt(method: str, path: str, what: str, data: dict) -> None:
        send = client.get if method == "GET" else client.post
        if name in SESSION_CHANGING:
            # The rolled-back request ended or replaced the session: a fresh one for the next.
            client.force_login(world.admin)
        try:
            with transaction.atomic(), connection.execute_wrapper(refuse_nul):
                try:
                    response = send(path, data)
                finally:
                    transaction.set_rollback(True)
        except Exception as error:  # every one is a failure to report
            failures.append(f"{method} {path} [{what}]: {error!r}{_where(error)}")
        else:
            if response.status_code >= 500:
                failures.append(f"{method} {path} [{what}]: status {response.status_code}")

    paths = {to_path(ROUTES[name], kwargs): kwargs for kwargs in url_kwargs(name, world)}
    for path, kwargs in paths.items():
        with names_read() as read:
            attempt("GET", path, "no query", {})
            for query in garbage_next_to_real_rows(world):
                attempt("GET", path, str(query)[:60], query)
        for query in GARBAGE_QUERIES:
            if not read.isdisjoint(query):
                attempt("GET", path, str(query)[:60], query)
        order_pk = kwargs["pk"] if name.startswith("salesorders:") else world.order.pk
        valid = valid_post(world, order_pk)
        with names_read() as read:
            attempt("POST", path, "empty POST", {})
            attempt("POST", path, "valid values", valid)
        for what, data in post_variants(valid, read):
            attempt("POST", path, what, data)
    assert not failures, f"{len(failures)} server error(s):\n" + "\n".join(failures)
