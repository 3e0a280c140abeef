"""The key pages show numbers and dates one way (core.numbers via the core_tags filters and
core.columns): no amount with 4 decimals, no ISO or mm/dd/yyyy date in the text a person
reads, money with its currency, dates as settings.DATE_DISPLAY_FORMAT ("10 Jan 2027")."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from core.numbers import format_date
from invoicing import services as invoicing_services
from tests.factories import CustomerFactory, StockItemFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db

FOUR_DECIMALS = re.compile(r"\b\d[\d,]*\.\d{4}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SLASHED_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")


class _Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def unit_prices_shown(order) -> set[str]:
    """The unit prices a page may show with up to 4 decimals (they keep them)."""
    return {f"{line.unit_price.normalize():f}" for line in order.lines.all()}


@pytest.fixture
def documents(manager_user):
    customer = CustomerFactory(name="Acme Tools", credit_limit=Decimal("50000"))
    order = make_order(
        manager_user,
        lines=(("40", "11.2000"), ("3", "1234.5678")),
        customer=customer,
        customer_reference="PO-77",
    )
    shipment = ship(order, manager_user)
    invoice = invoicing_services.invoice_create_from_order(order=order, user=manager_user)
    invoicing_services.invoice_post(invoice=invoice, user=manager_user)
    line = order.lines.select_related("part").first()
    StockItemFactory(part=line.part, quantity=Decimal("5"), expiry_date=timezone.localdate())
    return {"order": order, "shipment": shipment, "invoice": invoice, "part": line.part}


def pages(documents) -> dict[str, str]:
    order, shipment, invoice, part = (
        documents[k] for k in ("order", "shipment", "invoice", "part")
    )
    return {
        "order list": reverse("salesorders:list"),
        "order page": order.get_absolute_url(),
        "shipment page": shipment.get_absolute_url(),
        "invoice page": invoice.get_absolute_url(),
        "part page": part.get_absolute_url(),
        "customer page": order.customer.get_absolute_url(),
    }


def test_key_pages_show_amounts_and_dates_one_way(manager_client, documents):
    order = documents["order"]
    allowed_prices = unit_prices_shown(order)
    today = format_date(timezone.localdate())
    for name, url in pages(documents).items():
        response = manager_client.get(url)
        assert response.status_code == 200, name
        text = visible_text(response.content.decode())
        four = [n for n in FOUR_DECIMALS.findall(text) if n.replace(",", "") not in allowed_prices]
        assert four == [], f"{name} shows amounts with 4 decimals: {four}"
        assert ISO_DATE.findall(text) == [], f"{name} shows ISO dates: {ISO_DATE.findall(text)}"
        assert SLASHED_DATE.findall(text) == [], f"{name} shows mm/dd/yyyy dates"
        assert today in text, f"{name} shows no date as {today!r}"


def test_money_is_shown_with_its_currency_and_unit_prices_trimmed(manager_client, documents):
    order, invoice = documents["order"], documents["invoice"]
    order_page = visible_text(manager_client.get(order.get_absolute_url()).content.decode())
    assert "11.20 EUR" in order_page and "11.2000" not in order_page  # zeros trimmed
    assert "1,234.5678 EUR" in order_page  # a 4-decimal price stays
    assert "448.00 EUR" in order_page  # 40 x 11.20, a line amount with its currency
    assert f"{order.total:,.2f} EUR" in order_page
    invoice_page = visible_text(manager_client.get(invoice.get_absolute_url()).content.decode())
    assert f"{invoice.total:,.2f} EUR" in invoice_page and "11.20 EUR" in invoice_page
    order_list = visible_text(manager_client.get(reverse("salesorders:list")).content.decode())
    assert f"{order.base_total:,.2f} EUR" in order_list


def test_the_csv_export_keeps_iso_dates_and_plain_decimals(manager_client, documents):
    order = documents["order"]
    response = manager_client.get(reverse("salesorders:list"), {"_export": "csv"})
    csv = b"".join(response.streaming_content).decode()
    assert order.order_date.isoformat() in csv
    assert f"{order.base_total:.2f}" in csv and f"{order.base_total:,.2f} EUR" not in csv
