"""The REST API's benchmark scenarios, next to the pages' they mirror (bench/scenarios.py):
the order list with a $filter, an order of 1,000 lines with its lines expanded, and a line's
PATCH on a 1,000-line order against a 10-line one. The client is the benchmark's logged-in
session (the API takes a session as it takes a token)."""

from __future__ import annotations

import json

from bench.harness import CheckFailed, Plan, scenario
from bench.scenarios import Bench, get_plan
from salesorders.api.serializers import STATUS_TO_API
from salesorders.models import SalesOrder, SalesOrderLine

API = "/api/v2.0"


@scenario(
    "api-order-list-filter",
    "API: salesOrders, first page, $filter status Released + customer",
    group="api",
)
def api_order_list_filter(b: Bench) -> Plan:
    released = STATUS_TO_API[SalesOrder.Status.ISSUED]
    number = b.busiest_customer.code
    params = {"$filter": f"status eq '{released}' and customerNumber eq '{number}'"}
    return get_plan(b, f"{API}/salesOrders", params)


@scenario(
    "api-order-expand-1000",
    "API: salesOrders({id})?$expand=salesOrderLines, 1,000 lines",
    group="api",
)
def api_order_expand_1000(b: Bench) -> Plan:
    order = b.marked("G-LARGE-2")

    def check(_state, response):
        lines = response.json().get("salesOrderLines", [])
        if len(lines) != order.line_count:
            raise CheckFailed(f"{len(lines)} lines expanded, the order has {order.line_count}")

    plan = get_plan(b, f"{API}/salesOrders({order.pk})", {"$expand": "salesOrderLines"})
    plan.check = check
    return plan


def _line_patch(b: Bench, order: SalesOrder) -> Plan:
    line = SalesOrderLine.objects.filter(order=order).order_by("sort_order", "pk").first()
    if line is None:
        raise CheckFailed(f"{order} has no lines")
    path = f"{API}/salesOrders({order.pk})/salesOrderLines({line.pk})"
    quantity = line.quantity + 1

    def setup():
        version = SalesOrder.objects.values_list("version", flat=True).get(pk=order.pk)
        return f'"{version}"'

    def timed(etag):
        return b.client.patch(
            path,
            json.dumps({"quantity": str(quantity)}),
            content_type="application/json",
            secure=True,
            HTTP_IF_MATCH=etag,
        )

    def check(_state, _response):
        if SalesOrderLine.objects.get(pk=line.pk).quantity != quantity:
            raise CheckFailed(f"the line of {order} was not changed")

    return Plan(timed=timed, setup=setup, check=check)


@scenario("api-line-patch-10", "API: PATCH a line of a 10-line order", group="api")
def api_line_patch_10(b: Bench) -> Plan:
    return _line_patch(b, b.marked("G-TEN-PENDING"))


@scenario("api-line-patch-1000", "API: PATCH a line of a 1,000-line order", group="api")
def api_line_patch_1000(b: Bench) -> Plan:
    return _line_patch(b, b.marked("G-LARGE-1"))
