"""Query budgets of the heaviest pages and actions, on generated data.

Each page costs a constant number of queries whatever the row count; these budgets catch the
regression that adds a query per row (an order page with 1,000 lines, a shipment with hundreds of
allocations) long before anyone notices a slow page. The budgets are the counts measured when the
pages were built, plus a little headroom; the benchmark (`python -m bench`) reports the same
counts on 100,000 orders.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from bench.scenarios import Bench
from shipping.models import Shipment

SIZES = ["--customers", "15", "--parts", "80", "--orders", "150", "--lines", "6", "--seed", "5"]


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One generated data set for the module, rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate_data", *SIZES, "--no-progress", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def bench(generated, db):
    cache.clear()
    return Bench()


def get(bench: Bench, path: str, params: dict | None = None) -> None:
    response = bench.get(path, params)
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    ("params", "budget"),
    [
        ({}, 7),
        ({"status": "issued", "sort": "-total"}, 7),
        ({"sort": "-total"}, 7),
        ({"total_min": "100", "total_max": "5000", "sort": "total"}, 7),
        ({"q": "atlas"}, 7),
    ],
)
def test_order_list(bench, django_assert_max_num_queries, params, budget):
    """The order list: a page of 25 orders, filtered, sorted or searched, in a fixed count."""
    with django_assert_max_num_queries(budget):
        get(bench, reverse("salesorders:list"), params)


def test_order_list_sorted_by_base_total_is_in_base_currency_order(bench):
    """Orders in several currencies sort by their totals in the base currency."""
    response = bench.get(reverse("salesorders:list"), {"sort": "-total"})
    totals = [row.record.base_total for row in response.context["table"].page.object_list]
    assert totals == sorted(totals, reverse=True)
    currencies = {row.record.currency for row in response.context["table"].rows}
    assert response.status_code == 200 and currencies


def test_order_page_with_many_lines_and_shipments(bench, django_assert_max_num_queries):
    """The largest order (issued, half shipped, allocations pending) costs what a small one does."""
    large = bench.marked("G-LARGE-2")
    assert large.line_count >= 70
    # 20: the attachments section, the order's latest emails (core.emails.document_emails),
    # the dimension values of the page's lines (one each), the Invoices section (the
    # invoicing state and the order's invoices: two) and the quote it was made from,
    # whatever their number.
    with django_assert_max_num_queries(20) as captured:
        get(bench, reverse("salesorders:detail", args=[large.pk]))
    large_count = len(captured)
    with django_assert_max_num_queries(20) as captured:
        get(bench, reverse("salesorders:detail", args=[bench.ten_line_order.pk]))
    assert large_count <= len(captured) + 2


def test_customer_page_of_the_busiest_customer(bench, django_assert_max_num_queries):
    # 16: one more for the attachments section, two for the invoices and the open balance,
    # two for the credit panel (the sum, its orders).
    with django_assert_max_num_queries(16):
        get(bench, reverse("customers:customer-detail", args=[bench.busiest_customer.pk]))


def test_part_page_with_many_stock_items(bench, django_assert_max_num_queries):
    page = reverse("inventory:part-detail", args=[bench.stockiest_part.pk])
    with django_assert_max_num_queries(9):  # one more: the part's price lists
        get(bench, page)


def test_backorders(bench, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        get(bench, reverse("shipping:backorders"))


def test_calendar_month(bench, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        get(bench, reverse("calendar:month"))


def test_ics_feed_cold_and_warm(bench, django_assert_max_num_queries):
    """Built from nothing or from the cache, the feed costs a handful of queries."""
    from bench.scenarios import _feed_path

    path = _feed_path(bench)
    with django_assert_max_num_queries(9):
        get(bench, path)
    with django_assert_max_num_queries(7):
        get(bench, path)


def test_ics_feed_not_modified(bench, django_assert_max_num_queries):
    """A client polling an unchanged feed gets 304 for the fingerprint's one aggregate."""
    from bench.scenarios import _feed_path

    path = _feed_path(bench)
    etag = bench.get(path)["ETag"]
    with django_assert_max_num_queries(5):
        response = bench.client.get(path, secure=True, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_dashboard(bench, django_assert_max_num_queries):
    # The orders' change mark, the figures (one aggregate), one COUNT per work-queue card of
    # the user's roles, and the chart (the figures and the chart as the first view after a
    # change computes them: tests/config/test_dashboard.py shows the next ones kept).
    with django_assert_max_num_queries(11):
        get(bench, reverse("dashboard"))


def test_complete_shipment_does_not_grow_with_allocations(bench, django_assert_max_num_queries):
    """Completing a shipment of every line of the largest order costs a fixed number of queries."""
    order = bench.marked("G-SHIP-300")
    shipment = bench.new_shipment(order)
    bench.auto_allocate(order, shipment)
    assert shipment.allocations.count() >= 50
    path = reverse("shipping:shipment-complete", args=[order.pk, shipment.pk])
    with django_assert_max_num_queries(24):
        response = bench.post(path, {"carrier": "DHL", "tracking_number": "T-1"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED


def test_api_order_with_its_lines_expanded_costs_what_a_small_one_does(
    bench, django_assert_max_num_queries
):
    """salesOrders({id})?$expand=salesOrderLines (the api-order-expand-1000 scenario): the
    largest order's lines in the same count as a 10-line order's."""
    large, small = bench.marked("G-LARGE-2"), bench.ten_line_order
    params = {"$expand": "salesOrderLines"}
    with django_assert_max_num_queries(8) as captured:
        response = bench.get(f"/api/v2.0/salesOrders({large.pk})", params)
    assert response.status_code == 200
    assert len(response.json()["salesOrderLines"]) == large.line_count
    large_count = len(captured)
    with django_assert_max_num_queries(8) as captured:
        response = bench.get(f"/api/v2.0/salesOrders({small.pk})", params)
    assert len(response.json()["salesOrderLines"]) == 10
    assert large_count == len(captured)


def test_api_line_patch_costs_the_same_on_a_large_order_as_on_a_small_one(
    bench, django_assert_max_num_queries
):
    """PATCH of a line (the api-line-patch scenarios) on the 1,000-line order and on a
    10-line one: the same queries (totals are updated, not re-summed per line)."""
    counts = []
    for order in (bench.marked("G-LARGE-1"), bench.marked("G-TEN-PENDING")):
        line = order.lines.order_by("sort_order", "pk").first()
        with transaction.atomic(), django_assert_max_num_queries(60) as captured:
            response = bench.client.patch(
                f"/api/v2.0/salesOrders({order.pk})/salesOrderLines({line.pk})",
                {"quantity": str(line.quantity + 1)},
                content_type="application/json",
                secure=True,
                HTTP_IF_MATCH=f'"{order.version}"',
            )
            assert response.status_code == 200, response.content[:300]
            assert response.json()["quantity"] == f"{line.quantity + 1:.4f}"
            transaction.set_rollback(True)
        counts.append(len(captured))
    assert counts[0] == counts[1]
