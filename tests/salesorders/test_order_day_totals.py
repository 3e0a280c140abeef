"""The running totals per day (OrderDayTotal) that the dashboard's figures and chart read: kept
by database triggers whichever code writes orders, equal to summing the orders themselves
after services, queryset updates, raw SQL, bulk inserts and deletes, through compaction and
recount, and under concurrent writers on PostgreSQL."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from salesorders import services, totals
from salesorders.models import OPEN_STATUSES, OrderDayTotal, SalesOrder
from salesorders.selectors import salesorder_dashboard_figures, salesorder_sales_by_month
from tests.factories import CustomerFactory, SalesOrderFactory, UserFactory
from tests.invoicing.helpers import make_order

Status = SalesOrder.Status
D = Decimal


def summed_from_orders(today: datetime.date) -> dict:
    """The figures as a sum over every order (what the totals stand for)."""
    week_end = today + datetime.timedelta(days=6)
    due = Q(target_date__gte=today, target_date__lte=week_end)
    overdue = Q(target_date__lt=today, something_to_ship=True)
    sums = SalesOrder.objects.filter(status__in=OPEN_STATUSES).aggregate(
        open_count=Count("pk"),
        open_value=Sum("base_total"),
        due_count=Count("pk", filter=due),
        due_value=Sum("base_total", filter=due),
        overdue_count=Count("pk", filter=overdue),
        overdue_value=Sum("base_total", filter=overdue),
    )
    return {name: value if value is not None else D("0") for name, value in sums.items()}


def sales_from_orders(today: datetime.date) -> dict:
    sold = SalesOrder.objects.filter(issued_at__isnull=False).exclude(status=Status.CANCELLED)
    months: dict[datetime.date, Decimal] = {}
    for day, value in sold.values_list("order_date", "base_total"):
        month = day.replace(day=1)
        months[month] = months.get(month, D("0")) + value
    return months


def assert_totals_match_orders(today: datetime.date) -> None:
    figures = salesorder_dashboard_figures(today)
    expected = summed_from_orders(today)
    assert {name: figures[name] for name in expected} == expected
    chart = salesorder_sales_by_month(12, today)
    sales = sales_from_orders(today)
    assert chart == [(month, sales.get(month, D("0"))) for month, _ in chart]


def order(status, *, days: int, total: str, to_ship=True, issued=True, **kw) -> SalesOrder:
    target = timezone.localdate() + datetime.timedelta(days=days)
    return SalesOrderFactory(
        status=status,
        order_date=min(target, timezone.localdate()) - datetime.timedelta(days=10),
        target_date=target,
        total=D(total),
        something_to_ship=to_ship,
        issued_at=timezone.now() if issued else None,
        **kw,
    )


@pytest.mark.django_db
def test_totals_follow_every_kind_of_write_and_survive_compaction_and_recount():
    today = timezone.localdate()
    clerk = UserFactory(username="clerk")
    issued = make_order(clerk, [("3", "100.0000")], tax="0")  # through the services: 300.00
    make_order(clerk, [("1", "7.5000")], tax="0", issue=False)  # a draft: open, no sale
    late = order(Status.ISSUED, days=-3, total="40.00")  # overdue
    shipped = order(Status.ISSUED, days=-2, total="25.00", to_ship=False)  # late, all shipped
    soon = order(Status.ON_HOLD, days=2, total="12.34")  # due this week
    order(Status.COMPLETE, days=-30, total="99.99")  # a sale, not open
    order(Status.CANCELLED, days=5, total="1000.00")  # neither
    assert_totals_match_orders(today)
    figures = salesorder_dashboard_figures(today)
    assert (figures["open_count"], figures["open_value"]) == (5, D("384.84"))
    assert (figures["overdue_count"], figures["overdue_value"]) == (1, D("40.00"))
    assert (figures["due_count"], figures["due_value"]) == (1, D("12.34"))

    # Services, a queryset update, raw SQL, a bulk insert, a delete.
    services.salesorder_cancel(order=SalesOrder.objects.get(pk=issued.pk), user=clerk)
    SalesOrder.objects.filter(pk=late.pk).update(target_date=today + datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SalesOrder._meta.db_table} SET base_total = 55.55 WHERE id = %s", [soon.pk]
        )
    customer = CustomerFactory()
    SalesOrder.objects.bulk_create(
        SalesOrder(
            customer=customer,
            customer_name=customer.name,
            currency=customer.currency,
            reference_number=9000 + n,
            reference=f"SO-{9000 + n}",
            status=Status.ISSUED,
            issued_at=timezone.now(),
            order_date=today - datetime.timedelta(days=40 * n),
            target_date=today - datetime.timedelta(days=n),
            something_to_ship=True,
            base_total=D("10.01") * n,
        )
        for n in range(1, 4)
    )
    SalesOrder.objects.filter(pk=shipped.pk).delete()
    assert_totals_match_orders(today)

    before = OrderDayTotal.objects.count()
    assert totals.compact()
    assert OrderDayTotal.objects.filter(merged=False).count() == 0
    assert OrderDayTotal.objects.count() < before
    keys = OrderDayTotal.objects.values_list("kind", "day", "to_ship")
    assert len(keys) == len(set(keys))  # one row per kind, day and to_ship
    assert_totals_match_orders(today)

    OrderDayTotal.objects.all().delete()  # lost: a recount brings them back
    totals.recount()
    assert_totals_match_orders(today)
    # Days of other months than this one count in their own month of the chart.
    assert_totals_match_orders(today + datetime.timedelta(days=40))


@pytest.mark.django_db
def test_an_update_that_changes_nothing_the_totals_read_adds_no_row():
    order(Status.ISSUED, days=3, total="10.00")
    totals.compact()
    rows = OrderDayTotal.objects.count()
    SalesOrder.objects.update(notes="Call before delivery", version=5)
    assert OrderDayTotal.objects.count() == rows
    SalesOrder.objects.update(target_date=timezone.localdate())
    assert OrderDayTotal.objects.count() > rows


@pytest.mark.django_db
def test_the_dashboard_folds_the_added_rows_once_there_are_enough(client, monkeypatch):
    superuser = UserFactory(username="boss", is_superuser=True, is_staff=True)
    for days in range(4):
        order(Status.ISSUED, days=days, total="1.00")
    totals.compact()
    SalesOrder.objects.update(total=D("2.00"), base_total=D("2.00"))
    assert OrderDayTotal.objects.filter(merged=False).count() >= 4
    monkeypatch.setattr(totals, "COMPACT_AFTER", 4)
    client.force_login(superuser)
    html = client.get("/").content.decode()
    assert 'data-testid="open-count">4<' in html
    assert OrderDayTotal.objects.filter(merged=False).count() == 0
    assert_totals_match_orders(timezone.localdate())


@pytest.mark.django_db
def test_sqlite_triggers_lost_to_a_table_rebuild_come_back_with_a_recount():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL alters a table in place and keeps its triggers")
    order(Status.ISSUED, days=1, total="3.00")
    with connection.cursor() as cursor:
        for sql in totals.SQLITE_DROP_TRIGGERS:
            cursor.execute(sql)
    order(Status.ISSUED, days=2, total="4.00")  # unseen: no trigger
    assert salesorder_dashboard_figures()["open_count"] == 1
    totals.repair_sqlite(connection)
    assert_totals_match_orders(timezone.localdate())
    order(Status.ISSUED, days=3, total="5.00")
    assert salesorder_dashboard_figures()["open_count"] == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_changing_the_same_days_in_opposite_orders_neither_wait_nor_drift():
    """Two transactions each change an order of day A and one of day B, in opposite orders,
    and hold their changes open together while a compaction runs: with totals updated in
    place they would deadlock; the triggers only insert, so both commit and the totals are
    exact."""
    today = timezone.localdate()
    pairs = [
        (order(Status.ISSUED, days=1, total="1.00"), order(Status.ISSUED, days=2, total="2.00"))
        for _ in range(2)
    ]
    both_wrote = threading.Barrier(3, timeout=20)
    errors: list[BaseException] = []

    def writer(first: SalesOrder, second: SalesOrder, new_total: str):
        try:
            with transaction.atomic():
                for each in (first, second):
                    SalesOrder.objects.filter(pk=each.pk).update(base_total=D(new_total))
                both_wrote.wait()  # both hold their rows' changes uncommitted
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer, args=(pairs[0][0], pairs[0][1], "10.00")),
        threading.Thread(target=writer, args=(pairs[1][1], pairs[1][0], "20.00")),
    ]
    for thread in threads:
        thread.start()
    both_wrote.wait()
    assert totals.compact()  # folds what is committed; the writers' rows are not seen yet
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    figures = salesorder_dashboard_figures(today)
    assert (figures["open_count"], figures["open_value"]) == (4, D("60.00"))
    assert_totals_match_orders(today)
    assert totals.compact()
    assert_totals_match_orders(today)


@pytest.mark.django_db
def test_a_busy_database_leaves_the_rows_for_the_next_view(client, monkeypatch):
    """Compaction is housekeeping: if the database is busy past its timeout the dashboard
    still shows its figures, and the rows stay to be folded by a later view."""
    superuser = UserFactory(username="boss", is_superuser=True, is_staff=True)
    order(Status.ISSUED, days=1, total="1.00")

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(totals, "COMPACT_AFTER", 1)
    monkeypatch.setattr(totals, "compact", busy)
    client.force_login(superuser)
    response = client.get("/")
    assert response.status_code == 200
    assert 'data-testid="open-count">1<' in response.content.decode()
    assert OrderDayTotal.objects.filter(merged=False).exists()
