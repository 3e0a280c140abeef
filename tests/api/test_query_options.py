"""$filter, $orderby, $select, $top/$skip and @odata.nextLink; plain django-filter params."""

import datetime
from decimal import Decimal

import pytest

from salesorders import services
from tests.api.conftest import BASE
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(customer, part, stocked_part, manager_user):
    """SO-0901 Pending (customer 10000), SO-0902 Issued and shipped (20000), SO-0903 On Hold."""
    other = CustomerFactory(code="20000", name="Trey Research")
    made = {}
    for reference, who, quantity in (("A", customer, 1), ("B", other, 2), ("C", customer, 3)):
        order = services.salesorder_create(
            customer=who,
            user=manager_user,
            reference=f"SO-090{quantity}",
            requested_delivery_date=datetime.date(2025, 2, 10 * quantity - 5),
        )
        services.salesorder_line_add(order=order, part=part, quantity=quantity, user=manager_user)
        made[reference] = order
    services.salesorder_issue(order=made["B"], user=manager_user)
    from shipping import services as shipping

    shipment = shipping.shipment_create(order=made["B"], user=manager_user)
    shipping.order_auto_allocate(order=made["B"], shipment=shipment, user=manager_user)
    shipping.shipment_complete(shipment=shipment, user=manager_user)
    services.salesorder_hold(order=made["C"], reason="Wait", user=manager_user)
    return made


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["number"] for row in response.json()["value"])


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("status eq 'Open'", ["SO-0901"]),
        ("status eq 'Released'", ["SO-0902"]),
        ("status eq 'On Hold'", ["SO-0903"]),
        ("status ne 'Open'", ["SO-0902", "SO-0903"]),
        ("fullyShipped eq false", ["SO-0901", "SO-0903"]),
        ("fullyShipped eq true", ["SO-0902"]),
        ("customerNumber eq '10000'", ["SO-0901", "SO-0903"]),
        (
            "requestedDeliveryDate ge 2025-02-01 and requestedDeliveryDate le 2025-02-16",
            ["SO-0901", "SO-0902"],
        ),
        ("totalAmountExcludingTax gt 5", ["SO-0903"]),
        ("totalAmountExcludingTax le 5", ["SO-0901", "SO-0902"]),
        ("totalAmountExcludingTax lt 5", ["SO-0901"]),
        ("status eq 'Open' or status eq 'On Hold'", ["SO-0901", "SO-0903"]),
        ("not (status eq 'Open')", ["SO-0902", "SO-0903"]),
        (
            "(customerNumber eq '20000' or number eq 'SO-0901') and fullyShipped eq false",
            ["SO-0901"],
        ),
        ("contains(customerName, 'trey')", ["SO-0902"]),
        ("startswith(number, 'SO-')", ["SO-0901", "SO-0902", "SO-0903"]),
        ("status in ('Open', 'Released')", ["SO-0901", "SO-0902"]),
    ],
)
def test_filter_examples(api, orders, expression, expected):
    assert numbers(api.get(f"{BASE}/salesOrders", {"$filter": expression})) == expected


@pytest.mark.parametrize(
    ("expression", "target"),
    [
        ("notes eq 'x'", "notes"),  # a column the resource does not whitelist
        ("createdBy eq 1", "createdBy"),
        ("status eq 'Shipped'", "status"),
        ("orderDate ge 'yesterday'", "orderDate"),
        ("status eq", "$filter"),
        ("length(number) eq 4", "$filter"),
        ("fullyShipped gt true", "fullyShipped"),
    ],
)
def test_a_filter_that_cannot_be_used_is_a_400_naming_it(api, orders, expression, target):
    response = api.get(f"{BASE}/salesOrders", {"$filter": expression})
    assert response.status_code == 400
    assert response.json()["error"]["target"] == target


def test_deep_filter_nesting_is_refused(api, orders):
    expression = "(" * 40 + "status eq 'Open'" + ")" * 40
    response = api.get(f"{BASE}/salesOrders", {"$filter": expression})
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "$filter"


def test_plain_django_filter_parameters_filter_too(api, orders):
    assert numbers(api.get(f"{BASE}/salesOrders", {"status": "on_hold"})) == ["SO-0903"]
    assert numbers(api.get(f"{BASE}/salesOrders", {"customer": "20000"})) == ["SO-0902"]
    bad = api.get(f"{BASE}/salesOrders", {"status": "nonsense"})
    assert bad.status_code == 400
    assert bad.json()["error"]["target"] == "status"


def test_top_skip_and_next_link_walk_every_order_once(api, orders):
    seen, url = [], f"{BASE}/salesOrders?$top=2&$orderby=number asc"
    while url:
        body = api.get(url).json()
        seen += [row["number"] for row in body["value"]]
        url = body.get("@odata.nextLink")
    assert seen == ["SO-0901", "SO-0902", "SO-0903"]


@pytest.mark.parametrize("top", ["1000000000", "-1", "abc", "201"])
def test_top_beyond_the_cap_is_a_400(api, orders, top):
    response = api.get(f"{BASE}/salesOrders", {"$top": top})
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "$top"


def test_orderby_whitelisted_fields_only(api, orders):
    body = api.get(f"{BASE}/salesOrders", {"$orderby": "totalAmountIncludingTax desc"}).json()
    assert [row["number"] for row in body["value"]] == ["SO-0903", "SO-0902", "SO-0901"]
    refused = api.get(f"{BASE}/salesOrders", {"$orderby": "notes"})
    assert refused.status_code == 400
    assert refused.json()["error"]["target"] == "notes"


def test_select_returns_only_those_fields(api, orders):
    body = api.get(f"{BASE}/salesOrders", {"$select": "number,status"}).json()
    assert set(body["value"][0]) == {"id", "@odata.etag", "number", "status"}
    refused = api.get(f"{BASE}/salesOrders", {"$select": "secret"})
    assert refused.status_code == 400


def test_expand_only_what_the_resource_offers(api, orders):
    refused = api.get(f"{BASE}/salesOrders", {"$expand": "customer"})
    assert refused.status_code == 400
    body = api.get(f"{BASE}/salesOrders", {"$expand": "salesOrderLines"}).json()
    assert all(len(row["salesOrderLines"]) == 1 for row in body["value"])
    assert {row["salesOrderLines"][0]["quantity"] for row in body["value"]} == {
        str(Decimal(n).quantize(Decimal("0.0001"))) for n in (1, 2, 3)
    }
