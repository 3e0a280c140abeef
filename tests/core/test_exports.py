"""The CSV exports of the lists: streamed, whole, the table's columns, and safe to open in a
spreadsheet (no formulas run, no HTML)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from core.lists import csv_cell
from salesorders.models import SalesOrder
from salesorders.tables import SalesOrderTable
from shipping.tables import BackorderTable, ShipmentTable
from tests.factories import CustomerFactory, PartFactory, SalesOrderFactory, ShipmentFactory
from tests.shipping.helpers import issued_order, order_line, stock

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","x")'


def download(client, name: str, **params) -> list[list[str]]:
    response = client.get(reverse(name), {"_export": "csv", **params})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def headers(table_class, model) -> list[str]:
    table = table_class(model.objects.none())
    return [str(c.header) for c in table.columns.iterall() if not c.column.exclude_from_export]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946", "'+44 20 7946"),
        ("-rm", "'-rm"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-88.00", "-88.00"),
        ("Acme", "Acme"),
        (None, ""),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_gets_a_quote(value, cell):
    assert csv_cell(value) == cell


def test_order_export_streams_every_one_of_2000_orders(sales_client):
    customer = CustomerFactory(name="Bulk Buyer")
    SalesOrder.objects.bulk_create(
        SalesOrderFactory.build(
            customer=customer, reference_number=n, reference=f"SO-{n:05d}", total=Decimal("12.5")
        )
        for n in range(1, 2001)
    )
    rows = download(sales_client, "salesorders:list")
    assert rows[0] == headers(SalesOrderTable, SalesOrder)
    assert len(rows) == 2001
    assert {row[0] for row in rows[1:]} == {f"SO-{n:05d}" for n in range(1, 2001)}
    assert rows[1][:2] == ["SO-02000", "Bulk Buyer"]  # the list's default order, newest first
    assert rows[1][-3:] == ["12.50", customer.currency, "12.50"]  # base, currency, own


def test_order_export_keeps_the_list_filters_and_costs_no_count(
    sales_client, django_assert_max_num_queries
):
    SalesOrderFactory(customer_name="Kept Ltd", reference="SO-0001", reference_number=1)
    SalesOrderFactory(customer_name="Other plc", reference="SO-0002", reference_number=2)
    with django_assert_max_num_queries(6) as captured:
        rows = download(sales_client, "salesorders:list", q="Kept")
    assert [row[1] for row in rows[1:]] == ["Kept Ltd"]
    assert not any(q["sql"].startswith("SELECT COUNT(") for q in captured.captured_queries)


def test_order_export_neutralises_formulas(sales_client):
    SalesOrderFactory(customer_name=FORMULA, customer_reference="+1-555", reference="SO-0001")
    row = download(sales_client, "salesorders:list")[1]
    assert row[1] == "'" + FORMULA
    assert row[2] == "'+1-555"


def test_backorder_export_neutralises_formulas_and_has_no_html(sales_client):
    order = issued_order()
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="@evil")
    part = PartFactory(sku="-SKU1")
    stock(part, quantity="1")
    line = order_line(order, part, "5")
    rows = download(sales_client, "shipping:backorders")
    assert rows[0] == headers(BackorderTable, type(line))
    row = rows[1]
    assert row[0] == "'@evil"
    assert row[1] == order.reference  # the reference, not a link
    assert row[6] == "'-SKU1"
    assert not any("<" in cell for cell in row)


def test_shipment_export_neutralises_formulas_and_has_no_html(sales_client):
    shipment = ShipmentFactory(carrier="=cmd|' /C calc'!A0", reference="S1")
    rows = download(sales_client, "shipping:shipment-list")
    assert rows[0] == headers(ShipmentTable, type(shipment))
    row = rows[1]
    assert row[:2] == ["S1", shipment.order.reference]
    assert row[4] == "'=cmd|' /C calc'!A0"
    assert not any("<" in cell for cell in row)


def test_a_long_list_counts_up_to_the_limit_and_says_so(sales_client, monkeypatch):
    monkeypatch.setattr("core.lists.COUNT_LIMIT", 30)
    SalesOrder.objects.bulk_create(
        SalesOrderFactory.build(customer=CustomerFactory(), reference_number=n, reference=f"S{n}")
        for n in range(1, 41)
    )
    html = sales_client.get(reverse("salesorders:list")).content.decode()
    assert "30+ in all" in html
    monkeypatch.setattr("core.lists.COUNT_LIMIT", 100)
    html = sales_client.get(reverse("salesorders:list")).content.decode()
    assert "40 in all" in html
