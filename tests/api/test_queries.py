"""Constant queries: lists whatever the row count, a 1,000-line order with its lines, and a
line PATCH on a big order costing what it costs on a small one."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Part
from salesorders.models import SalesOrderLine
from tests.api.conftest import BASE
from tests.factories import SalesOrderFactory

pytestmark = pytest.mark.django_db


def order_with_lines(count: int):
    order = SalesOrderFactory()
    parts = Part.objects.bulk_create(
        Part(sku=f"P-{order.pk}-{n:05d}", name=f"Part {n}", list_price=Decimal("1.5"))
        for n in range(count)
    )
    parts = Part.objects.filter(pk__in=[p.pk for p in parts]).prefetch_related("price_breaks")
    SalesOrderLine.objects.bulk_create(
        SalesOrderLine.from_part(order=order, part=part, quantity=Decimal("2"), sort_order=n)
        for n, part in enumerate(parts)
    )
    order.line_count = count
    order.save(update_fields=["line_count"])
    return order


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 204), response.content[:300]
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/salesOrders",
        "/salesOrders?$filter=status eq 'Open' and fullyShipped eq false&$top=20",
        "/salesOrders?$expand=salesOrderLines",
        "/customers",
        "/items",
        "/stockItems",
        "/shipments?$expand=allocations",
    ],
)
def test_a_list_costs_the_same_for_3_and_30_rows(api, url):
    for _ in range(3):
        order_with_lines(2)
    few = queries_of(lambda: api.get(BASE + url))
    for _ in range(27):
        order_with_lines(2)
    many = queries_of(lambda: api.get(BASE + url))
    assert many == few
    assert many <= 8


def test_a_1000_line_order_with_expanded_lines_is_a_constant_few_queries(
    api, django_assert_max_num_queries
):
    order = order_with_lines(1000)
    with django_assert_max_num_queries(6):
        response = api.get(f"{BASE}/salesOrders({order.pk})?$expand=salesOrderLines")
    assert len(response.json()["salesOrderLines"]) == 1000


def test_a_line_patch_costs_the_same_on_1000_lines_as_on_10(api):
    small, big = order_with_lines(10), order_with_lines(1000)

    def patch(order):
        line = order.lines.first()
        return lambda: api.patch(
            f"{BASE}/salesOrders/{order.pk}/salesOrderLines/{line.pk}",
            {"quantity": "3"},
            format="json",
            HTTP_IF_MATCH="*",
        )

    assert queries_of(patch(big)) == queries_of(patch(small))
