"""The dashboard per role: each card counts the right orders and links to the list filtered
to them; a user in every role sees every section at a constant number of queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, RequestStatus
from config.roles import ROLES, sync_role_groups
from invoicing import services as invoicing_services
from invoicing.models import Invoice
from salesorders.models import SalesOrder
from shipping import services as shipping_services
from tests.factories import (
    PartFactory,
    SalesOrderFactory,
    SalesOrderLineFactory,
    ShipmentFactory,
    StockItemFactory,
    UserFactory,
)
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
Status = SalesOrder.Status


@pytest.fixture(autouse=True)
def _factory_orders_numbered_apart():
    """Orders made by the factory get numbers far from the services' ones."""
    SalesOrderFactory.reset_sequence(5000)


def in_groups(username: str, *names: str):
    if not Group.objects.filter(name=names[0]).exists():
        sync_role_groups(apps)
    user = UserFactory(username=username)
    user.groups.add(*Group.objects.filter(name__in=names))
    return user


def count_of(html: str, key: str) -> str:
    match = re.search(rf'data-testid="{key}-count">([^<]*)<', html)
    assert match, f"no card {key}"
    return match.group(1)


def link_of(html: str, key: str) -> str:
    match = re.search(rf'href="([^"]*)" data-testid="card-{key}"', html)
    assert match, f"no card {key}"
    return match.group(1).replace("&amp;", "&")


def rejected(order: SalesOrder) -> SalesOrder:
    """Mark `order` as sent back by a rejected approval round (the round row as stored)."""
    SalesOrder.objects.filter(pk=order.pk).update(approval_round=1)
    ApprovalRequest.objects.create(
        content_type=ContentType.objects.get_for_model(SalesOrder),
        object_id=order.pk,
        round=1,
        status=RequestStatus.REJECTED,
        current_stage=0,
    )
    return order


def test_sales_cards_count_my_orders_and_link_to_them(client, sales_user):
    other = UserFactory(username="otto")
    today = timezone.localdate()
    mine_draft = SalesOrderFactory(
        salesperson=sales_user, target_date=today + datetime.timedelta(30)
    )
    SalesOrderFactory(salesperson=other)  # someone else's draft
    waiting = SalesOrderFactory(
        salesperson=sales_user,
        status=Status.PENDING_APPROVAL,
        target_date=today + datetime.timedelta(3),
    )
    sent_back = rejected(SalesOrderFactory(salesperson=sales_user, target_date=None))
    client.force_login(sales_user)
    html = client.get("/").content.decode()
    assert 'data-testid="section-sales"' in html
    assert 'data-testid="section-warehouse"' not in html
    assert 'data-testid="section-office"' not in html
    assert count_of(html, "my-drafts") == "2"  # the rejected one is a draft again too
    assert count_of(html, "my-rejected") == "1"
    assert count_of(html, "my-awaiting-approval") == "1"
    assert count_of(html, "my-due-this-week") == "1"

    listed = client.get(link_of(html, "my-drafts")).content.decode()
    assert mine_draft.reference in listed and sent_back.reference in listed
    assert waiting.reference not in listed
    listed = client.get(link_of(html, "my-rejected")).content.decode()
    assert sent_back.reference in listed and mine_draft.reference not in listed
    listed = client.get(link_of(html, "my-due-this-week")).content.decode()
    assert waiting.reference in listed and mine_draft.reference not in listed


def test_warehouse_cards_count_allocation_packing_and_fillable_backorders(client, warehouse_user):
    clerk = UserFactory(username="clerk")
    to_allocate = make_order(clerk, [("5", "1.0000")])  # stock 1,000: fillable now
    packing = make_order(clerk, [("5", "1.0000")])
    shipment = shipping_services.shipment_create(order=packing, user=clerk)
    shipping_services.order_auto_allocate(order=packing, shipment=shipment, user=clerk)
    short = make_order(clerk, [("5", "1.0000")])
    short.lines.get().part.stock_items.update(quantity=Decimal("0"))
    make_order(clerk, [("5", "1.0000")], issue=False)  # Pending: nothing to allocate yet
    client.force_login(warehouse_user)
    html = client.get("/").content.decode()
    assert 'data-testid="section-sales"' not in html
    assert count_of(html, "to-allocate") == "2"  # to_allocate and short
    assert count_of(html, "to-pack") == "1"
    assert count_of(html, "backorders-fillable") == "1"

    listed = client.get(link_of(html, "to-allocate")).content.decode()
    assert to_allocate.reference in listed and short.reference in listed
    assert packing.reference not in listed
    listed = client.get(link_of(html, "to-pack")).content.decode()
    assert str(shipment.reference) in listed and packing.reference in listed
    listed = client.get(link_of(html, "backorders-fillable")).content.decode()
    assert to_allocate.reference in listed and short.reference not in listed


def test_office_cards_count_completion_invoicing_and_overdue_invoices(client, manager_user):
    clerk = UserFactory(username="clerk")
    done = make_order(clerk, [("2", "50.0000")])
    ship(done, clerk)  # ready to complete, shipped not invoiced
    billed = make_order(clerk, [("1", "10.0000")])
    ship(billed, clerk)
    invoicing_services.invoices_create_for_shipped(orders=[billed], user=clerk)
    past = timezone.localdate() - datetime.timedelta(days=3)
    Invoice.objects.filter(order=billed).update(
        invoice_date=past - datetime.timedelta(days=30), due_date=past
    )
    open_order = make_order(clerk, [("2", "50.0000")])
    client.force_login(manager_user)
    html = client.get("/").content.decode()
    assert 'data-testid="section-office"' in html
    assert count_of(html, "ready-to-complete") == "2"  # done and billed
    assert count_of(html, "shipped-not-invoiced") == "1"
    assert count_of(html, "overdue-invoices") == "1"
    assert count_of(html, "approvals") == "0"

    listed = client.get(link_of(html, "ready-to-complete")).content.decode()
    assert done.reference in listed and billed.reference in listed
    assert open_order.reference not in listed
    listed = client.get(link_of(html, "shipped-not-invoiced")).content.decode()
    assert done.reference in listed and billed.reference not in listed
    listed = client.get(link_of(html, "overdue-invoices")).content.decode()
    assert billed.reference in listed


def test_sales_chart_is_an_svg_with_a_title_per_month_and_the_sales_of_issued_orders(
    client, manager_user
):
    clerk = UserFactory(username="clerk")
    make_order(clerk, [("3", "100.0000")], tax="0")  # issued today: 300.00
    make_order(clerk, [("1", "999.0000")], tax="0", issue=False)  # a draft is no sale
    client.force_login(manager_user)
    html = client.get("/").content.decode()
    chart = html[html.index('data-testid="sales-chart"') :]
    chart = chart[: chart.index("</figure>")]
    assert chart.count("<rect ") == 12
    assert chart.count("<title>") == 12
    month = timezone.localdate()
    assert f"<title>{month:%B %Y}: 300.00 EUR</title>" in chart
    assert "style=" not in chart and "<script" not in chart
    assert "300.00 EUR in all" in chart


def test_each_role_sees_its_sections_and_nobody_none(client, user):
    accounts = in_groups("anna", "Accounts")
    client.force_login(accounts)
    html = client.get("/").content.decode()
    assert 'data-testid="section-office"' in html
    assert 'data-testid="card-approvals"' not in html  # Accounts decide no approvals
    assert 'data-testid="section-warehouse"' not in html
    credit = in_groups("carl", "Credit Control")
    client.force_login(credit)
    html = client.get("/").content.decode()
    assert 'data-testid="section-credit"' in html and 'data-testid="card-approvals"' in html
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'data-testid="section-' not in html


def test_dashboard_queries_stay_constant_for_a_user_in_every_role(
    client, django_assert_max_num_queries
):
    everyone = in_groups("eve", *ROLES)
    client.force_login(everyone)
    clerk = UserFactory(username="clerk")

    def some_of_everything():
        order = make_order(clerk, [("2", "5.0000")])
        ship(order, clerk)
        make_order(clerk, [("2", "5.0000")])
        ShipmentFactory(order=make_order(clerk, [("1", "1.0000")]))
        made = SalesOrder.objects.count()
        rejected(SalesOrderFactory(salesperson=everyone, reference=f"F-{made}"))
        SalesOrderFactory(
            salesperson=everyone, status=Status.PENDING_APPROVAL, reference=f"F-{made + 1}"
        )

    some_of_everything()
    with django_assert_max_num_queries(20) as few:  # 18 on SQLite
        html = client.get("/").content.decode()
    for key in ("sales", "warehouse", "office", "credit"):
        assert f'data-testid="section-{key}"' in html
    for _ in range(4):
        some_of_everything()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


def test_bounded_counts_read_1000_plus(client, warehouse_user, monkeypatch):
    from config import dashboard

    monkeypatch.setattr(dashboard, "CARD_LIMIT", 2)
    part = PartFactory()
    StockItemFactory(part=part, quantity=Decimal("100"))
    for _ in range(3):
        order = SalesOrderFactory(status=Status.ISSUED)
        SalesOrderLineFactory(order=order, part=part, quantity=Decimal("1"))
    client.force_login(warehouse_user)
    assert count_of(client.get("/").content.decode(), "to-allocate") == "2+"


def test_order_list_filters_of_the_work_queues(client, sales_user):
    other = UserFactory(username="otto")
    mine = SalesOrderFactory(salesperson=sales_user)
    theirs = SalesOrderFactory(salesperson=other)
    client.force_login(sales_user)
    url = reverse("salesorders:list")
    listed = client.get(url, {"salesperson": "me"}).content.decode()
    assert mine.reference in listed and theirs.reference not in listed
    listed = client.get(url, {"ids": f"{theirs.pk}"}).content.decode()
    assert theirs.reference in listed and mine.reference not in listed
    listed = client.get(url, {"to_allocate": "true"}).content.decode()
    assert mine.reference not in listed and "No sales orders match." in listed


def test_the_work_queue_filters_are_query_params_of_the_api_too(sales_user):
    from tests.api.conftest import BASE, token_client

    mine = SalesOrderFactory(salesperson=sales_user)
    SalesOrderFactory(salesperson=UserFactory(username="otto"))
    response = token_client(sales_user).get(f"{BASE}/salesOrders", {"salesperson": "me"})
    assert response.status_code == 200
    body = response.json()
    rows = body.get("value", body.get("results", body))
    assert [row["number"] for row in rows] == [mine.reference]


@pytest.mark.django_db(transaction=True)
def test_figures_and_chart_are_kept_until_orders_change_then_follow_every_writer(
    client, manager_user, django_assert_max_num_queries
):
    """Between two committed writes the open figures and the chart come from the cache (no
    sums run, two queries fewer); a change through a service, and one that bypasses them (a
    queryset update), both show on the next view."""
    cache.clear()
    clerk = UserFactory(username="clerk")
    make_order(clerk, [("3", "100.0000")], tax="0")  # issued today, open: 300.00
    client.force_login(manager_user)
    with django_assert_max_num_queries(30) as computed:
        html = client.get("/").content.decode()
    assert 'data-testid="open-count">1<' in html and "300.00 EUR in all" in html
    assert [q for q in computed.captured_queries if "SUM(" in q["sql"].upper()]
    with django_assert_max_num_queries(len(computed.captured_queries) - 2) as again:
        html = client.get("/").content.decode()
    assert 'data-testid="open-count">1<' in html and "300.00 EUR in all" in html
    assert not [q for q in again.captured_queries if "SUM(" in q["sql"].upper()]

    second = make_order(clerk, [("1", "50.0000")], tax="0")
    html = client.get("/").content.decode()
    assert 'data-testid="open-count">2<' in html and "350.00 EUR in all" in html

    SalesOrder.objects.filter(pk=second.pk).update(status=Status.CANCELLED)
    html = client.get("/").content.decode()
    assert 'data-testid="open-count">1<' in html and "300.00 EUR in all" in html
