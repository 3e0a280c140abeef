"""A fake accounting provider over real HTTP (a threaded http.server on 127.0.0.1), that
behaves as Xero or QuickBooks Online do for what our clients use: bearer tokens that expire
and a refresh-token endpoint, invoices kept once per idempotency key (a repeated key answers
the first call's invoice), a duplicate number refused with the provider's own error, and
answers a test plans ahead (`plan`): a status with a body and headers, a slow answer (the
client times out, the invoice is kept anyway), or a request held open until released.

Used by tests/accounting and tests/invoicing, and by bench/sync_push.py (as a script: `python
-m tests.accounting.fake_provider xero 8765`)."""

import contextlib
import itertools
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Planned:
    status: int = 200
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0  # seconds before answering (after keeping the invoice)
    hold: threading.Event | None = None  # answer only once set (after keeping the invoice)
    keep: bool = True  # keep the invoice (the request "went through") before answering


class FakeProvider:
    def __init__(self, flavor: str = "xero", realm: str = "realm-1"):
        self.flavor, self.realm = flavor, realm
        self.lock = threading.Lock()
        self.access_token, self.refresh_token = "access-1", "refresh-1"
        self.refreshes = 0
        self.invoices: dict[str, dict] = {}  # by idempotency key
        self.by_number: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.voided: list[str] = []
        self.requests: list[dict] = []  # every API request: method, path, key, time
        self.planned: list[Planned] = []
        self.arrived = threading.Event()  # set when an invoice request arrives
        self._ids = itertools.count(101)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # Test side -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def plan(self, *answers: Planned) -> None:
        """The next invoice/payment writes get these answers, in order (then: normal)."""
        with self.lock:
            self.planned.extend(answers)

    def expire_token(self) -> None:
        with self.lock:
            self.access_token = f"access-{uuid.uuid4().hex[:6]}-unknown"

    def writes(self) -> list[dict]:
        return [r for r in self.requests if r["method"] in ("PUT", "POST")]

    # Server side -----------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._handle(self, "POST")

            def do_PUT(self):
                fake._handle(self, "PUT")

            def do_GET(self):
                fake._handle(self, "GET")

        return Handler

    def _reply(self, handler, status: int, body: dict | None, headers: dict | None = None):
        data = json.dumps(body or {}).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out, killed)

    def _handle(self, handler, method: str):
        url = urlparse(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if url.path == "/token":
            return self._token(handler, parse_qs(raw.decode()))
        if handler.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self._reply(handler, 401, {"Title": "Unauthorized", "Detail": "TokenExpired"})
        body = json.loads(raw) if raw else {}
        key = handler.headers.get("Idempotency-Key") or query.get("requestid", "")
        with self.lock:
            self.requests.append(
                {"method": method, "path": url.path, "key": key, "at": time.monotonic()}
            )
        if method == "GET":
            return self._lookup(handler, url.path, query)
        with self.lock:
            planned = self.planned.pop(0) if self.planned else Planned()
        if planned.status >= 300:
            self.arrived.set()
            if planned.delay:
                time.sleep(planned.delay)
            return self._reply(handler, planned.status, planned.body, planned.headers)
        status, answer = self._write(url.path, query, key, body, keep=planned.keep)
        self.arrived.set()
        if planned.hold is not None:
            planned.hold.wait(120)
        if planned.delay:
            time.sleep(planned.delay)
        self._reply(handler, status, answer, planned.headers)

    def _token(self, handler, form):
        with self.lock:
            if form.get("refresh_token", [""])[0] != self.refresh_token:
                return self._reply(handler, 400, {"error": "invalid_grant"})
            self.refreshes += 1
            self.access_token = f"access-{self.refreshes + 1}"
            self.refresh_token = f"refresh-{self.refreshes + 1}"
            answer = {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": 1800,
                "token_type": "Bearer",
            }
        self._reply(handler, 200, answer)

    def _write(self, path, query, key, body, *, keep):
        with self.lock:
            if path.endswith("/Payments") or path.endswith("/payment"):
                payment = self.payments.get(key) or {"id": f"P{next(self._ids)}", "body": body}
                self.payments[key] = payment
                if self.flavor == "xero":
                    return 200, {"Payments": [{"PaymentID": payment["id"]}]}
                return 200, {"Payment": {"Id": payment["id"]}}
            if self.flavor == "xero" and path.count("/") == 4:  # /api.xro/2.0/Invoices/{id}
                self.voided.append(path.rsplit("/", 1)[1])
                return 200, {"Invoices": [{"InvoiceID": path.rsplit("/", 1)[1]}]}
            if query.get("operation") == "void":
                self.voided.append(body["Id"])
                return 200, {"Invoice": {"Id": body["Id"], "SyncToken": "1"}}
            if key in self.invoices:  # a repeated idempotency key: the first call's answer
                return 200, self._invoice_answer(self.invoices[key])
            doc = body["Invoices"][0] if self.flavor == "xero" else body
            number = doc["InvoiceNumber"] if self.flavor == "xero" else doc["DocNumber"]
            if number in self.by_number:
                return 400, self._duplicate(self.by_number[number])
            invoice = {"id": str(next(self._ids)), "number": number, "body": doc, "key": key}
            if keep:
                self.invoices[key] = invoice
                self.by_number[number] = invoice
            return 200, self._invoice_answer(invoice)

    def _invoice_answer(self, invoice):
        if self.flavor == "xero":
            return {
                "Invoices": [
                    {
                        "InvoiceID": invoice["id"],
                        "InvoiceNumber": invoice["number"],
                        "Status": "AUTHORISED",
                    }
                ]
            }
        return {"Invoice": {"Id": invoice["id"], "DocNumber": invoice["number"], "SyncToken": "0"}}

    def _duplicate(self, invoice):
        if self.flavor == "xero":
            return {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [{"ValidationErrors": [{"Message": "Invoice # must be unique."}]}],
            }
        return {
            "Fault": {
                "Error": [
                    {
                        "Message": "Duplicate Document Number Error",
                        "Detail": (
                            "Duplicate Document Number Error : You must specify a different "
                            f"number. This number has already been used. DocNumber="
                            f"{invoice['number']} is assigned to TxnType=Invoice with "
                            f"TxnId={invoice['id']}"
                        ),
                        "code": "6140",
                    }
                ],
                "type": "ValidationFault",
            }
        }

    def _lookup(self, handler, path, query):
        with self.lock:
            if self.flavor == "xero":
                numbers = query.get("InvoiceNumbers", "").split(",")
                found = [
                    {"InvoiceID": i["id"], "InvoiceNumber": i["number"], "Status": "AUTHORISED"}
                    for n in numbers
                    if (i := self.by_number.get(n))
                ]
                return self._reply(handler, 200, {"Invoices": found})
            ident = path.rsplit("/", 1)[1]
            found = [i for i in self.by_number.values() if i["id"] == ident]
        if not found:
            return self._reply(handler, 400, {"Fault": {"Error": [{"Message": "Not found"}]}})
        return self._reply(handler, 200, {"Invoice": {"Id": ident, "SyncToken": "0"}})


def xero_validation_error(message: str) -> dict:
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": message}]}],
    }


def quickbooks_validation_error(message: str, code: str = "6000") -> dict:
    return {"Fault": {"Error": [{"Message": message, "Detail": message, "code": code}]}}


if __name__ == "__main__":  # a standalone fake for the benchmark
    fake = FakeProvider(sys.argv[1] if len(sys.argv) > 1 else "xero")
    fake.server.server_close()
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8765
    fake.server = ThreadingHTTPServer(("127.0.0.1", port), fake._handler())
    fake.server.daemon_threads = True
    print(fake.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.server.serve_forever()


def connect(settings, fake: FakeProvider, *, timeout: int = 2, rate_limit: int = 0) -> None:
    """Point the settings at `fake` (pytest-django's `settings` fixture) and store the tokens
    it knows, as a connected provider has."""
    from accounting.models import ProviderToken

    settings.ACCOUNTING_PROVIDER = fake.flavor
    settings.ACCOUNTING_BASE_URL = fake.url
    settings.ACCOUNTING_TOKEN_URL = f"{fake.url}/token"
    settings.ACCOUNTING_CLIENT_ID, settings.ACCOUNTING_CLIENT_SECRET = "client", "secret"
    settings.ACCOUNTING_TENANT = fake.realm
    settings.ACCOUNTING_TIMEOUT_SECONDS = timeout
    settings.ACCOUNTING_RATE_LIMIT_PER_MINUTE = rate_limit
    ProviderToken.objects.update_or_create(
        provider=fake.flavor,
        defaults={"access_token": fake.access_token, "refresh_token": fake.refresh_token},
    )
