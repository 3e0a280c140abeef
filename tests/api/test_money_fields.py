"""Money on the API: exchangeRates, and the order's currency rate, due date, discount and base
totals (Business Central's and Codat's names)."""

import datetime
from decimal import Decimal

import pytest

from accounting.models import ExchangeRate, RateSource
from tests.factories import CustomerFactory, ExchangeRateFactory

from .conftest import BASE

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 2)


def test_exchange_rates_are_listed_filtered_and_read(api):
    ExchangeRateFactory(currency="GBP", date=DAY, rate=Decimal("1.15"))
    ExchangeRateFactory(currency="USD", date=DAY, rate=Decimal("0.92"))
    body = api.get(f"{BASE}/exchangeRates", {"$filter": "currencyCode eq 'GBP'"}).json()
    assert [(r["currencyCode"], r["exchangeRateAmount"]) for r in body["value"]] == [
        ("GBP", "1.150000000000")
    ]
    row = body["value"][0]
    assert row["startingDate"] == "2026-11-02" and row["baseCurrencyCode"] == "EUR"
    ExchangeRateFactory(currency="GBP", date=DAY + datetime.timedelta(days=5))
    latest_by_then = api.get(
        f"{BASE}/exchangeRates",
        {"$filter": "currencyCode eq 'GBP' and startingDate le 2026-11-03", "$top": "1"},
    ).json()["value"]
    assert [r["startingDate"] for r in latest_by_then] == ["2026-11-02"]
    detail = api.get(f"{BASE}/exchangeRates({row['id']})")
    assert detail.status_code == 200 and detail.headers["ETag"]


def test_posting_a_rate_stores_it_from_the_api_and_replaces_that_days_rate(api):
    first = api.post(
        f"{BASE}/exchangeRates",
        {"currencyCode": "gbp", "startingDate": "2026-11-02", "exchangeRateAmount": "1.15"},
        format="json",
    )
    assert first.status_code == 201, first.json()
    again = api.post(
        f"{BASE}/exchangeRates",
        {"currencyCode": "GBP", "startingDate": "2026-11-02", "exchangeRateAmount": "1.16"},
        format="json",
    )
    assert again.status_code == 201
    assert first.headers["ETag"] != again.headers["ETag"]
    (rate,) = ExchangeRate.objects.all()
    assert (rate.currency, rate.rate, rate.source) == ("GBP", Decimal("1.16"), RateSource.API)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"currencyCode": "XXZ", "exchangeRateAmount": "1"}, "currencyCode", "ISO 4217"),
        ({"currencyCode": "GBP", "exchangeRateAmount": "0"}, "exchangeRateAmount", "above 0"),
        (
            {"currencyCode": "GBP", "exchangeRateAmount": "2000000"},
            "exchangeRateAmount",
            "1,000,000",
        ),
        ({"currencyCode": "EUR", "exchangeRateAmount": "1"}, "currencyCode", "base currency"),
    ],
)
def test_a_bad_rate_is_refused_at_its_field_and_nothing_is_stored(api, body, field, words):
    response = api.post(
        f"{BASE}/exchangeRates", {"startingDate": "2026-11-02", **body}, format="json"
    )
    assert response.status_code == 400
    text = str(response.json())
    assert field in text and words in text
    assert not ExchangeRate.objects.exists()


def test_sales_may_read_rates_but_not_set_them(sales_api):
    assert sales_api.get(f"{BASE}/exchangeRates").status_code == 200
    response = sales_api.post(
        f"{BASE}/exchangeRates",
        {"currencyCode": "GBP", "startingDate": "2026-11-02", "exchangeRateAmount": "1.15"},
        format="json",
    )
    assert response.status_code == 403
    assert not ExchangeRate.objects.exists()


def test_an_order_shows_its_rate_due_date_discount_and_base_totals(api, part):
    ExchangeRateFactory(currency="GBP", date=DAY, rate=Decimal("1.2"))
    customer = CustomerFactory(currency="GBP", payment_terms_days=14)
    created = api.post(
        f"{BASE}/salesOrders",
        {
            "customerId": customer.pk,
            "orderDate": "2026-11-02",
            "discountPercent": "10",
            "salesOrderLines": [{"itemId": part.pk, "quantity": "4", "unitPrice": "25"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    order = created.json()
    assert order["currencyCode"] == "GBP"
    assert Decimal(order["currencyRate"]) == Decimal("1.2")
    assert order["dueDate"] == "2026-11-16"
    assert order["discountPercent"] == "10.00" and order["totalDiscount"] == "10.00"
    assert order["totalAmountExcludingTax"] == "90.00"
    assert Decimal(order["baseTotalAmountExcludingTax"]) == Decimal("108.00")
    assert order["pricesIncludeTax"] is False


def test_the_order_discount_changes_through_patch_with_if_match(api, order):
    url = f"{BASE}/salesOrders({order.pk})"
    etag = api.get(url).headers["ETag"]
    response = api.patch(url, {"discountAmount": "1.00"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["totalDiscount"] == "1.00"
    assert response.json()["totalAmountExcludingTax"] == "9.00"


def test_an_order_says_how_much_is_invoiced_and_can_be_filtered_by_it(api, manager_user):
    from invoicing import services as invoicing_services
    from tests.invoicing.helpers import make_order, ship

    order = make_order(manager_user, lines=(("4", "10"), ("2", "5")))
    first, second = order.lines.order_by("sort_order", "pk")
    ship(order, manager_user)
    invoicing_services.invoice_create_from_order(
        order=order, quantities={first.pk: Decimal("4")}, user=manager_user
    )
    body = api.get(f"{BASE}/salesOrders({order.pk})?$expand=salesOrderLines").json()
    assert body["invoicingStatus"] == "PartiallyInvoiced" and body["fullyInvoiced"] is False
    assert [line["invoicedQuantity"] for line in body["salesOrderLines"]] == ["4.0000", "0.0000"]
    partly = api.get(
        f"{BASE}/salesOrders", {"$filter": "invoicingStatus eq 'PartiallyInvoiced'"}
    ).json()["value"]
    assert [row["id"] for row in partly] == [order.pk]
    invoicing_services.invoice_create_from_order(order=order, user=manager_user)
    assert api.get(f"{BASE}/salesOrders({order.pk})").json()["fullyInvoiced"] is True
    done = api.get(f"{BASE}/salesOrders", {"$filter": "fullyInvoiced eq true"}).json()["value"]
    assert [row["id"] for row in done] == [order.pk]
