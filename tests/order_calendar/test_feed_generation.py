"""The feed's ETag is the feed generation, which database triggers change on every write of
orders, lines and customers, whoever writes: never a 304 for a feed whose content changed."""

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import F

from order_calendar.models import FeedGeneration
from salesorders.models import SalesOrder, SalesOrderLine
from salesorders.services import salesorder_touch
from tests.factories import CustomerFactory, SalesOrderFactory, SalesOrderLineFactory, UserFactory
from tests.order_calendar.test_feed import events_of, path_for

pytestmark = pytest.mark.django_db

Status = SalesOrder.Status


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def conditional_get(client, url, etag):
    return client.get(url, headers={"If-None-Match": etag})


def _service(order, user):
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Changed Ltd")
    salesorder_touch(order=order, user=user)


def _update(order, user):
    # As the services write: the row and its version in one UPDATE.
    SalesOrder.objects.filter(pk=order.pk).update(
        customer_name="Changed Ltd", version=F("version") + 1
    )


def _bulk_update(order, user):
    order.refresh_from_db()
    order.customer_name = "Changed Ltd"
    order.version += 1
    SalesOrder.objects.bulk_update([order], ["customer_name", "version"])


def _save(order, user):
    order.refresh_from_db()
    order.customer_name = "Changed Ltd"
    order.version += 1
    order.save()


def _raw_sql(order, user):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE salesorders_salesorder SET customer_name = %s, version = version + 1 "
            "WHERE id = %s",
            ["Changed Ltd", order.pk],
        )


@pytest.mark.parametrize(
    "write", [_service, _update, _bulk_update, _save, _raw_sql], ids=lambda f: f.__name__[1:]
)
def test_every_kind_of_order_write_changes_the_etag_and_the_feed(client, sales_user, write):
    order = SalesOrderFactory(reference="SO-0001", customer_name="Before Ltd")
    url = path_for(sales_user)
    first = client.get(url)
    assert str(events_of(first)["SO-0001"]["SUMMARY"]) == "SO-0001 · Before Ltd"
    assert conditional_get(client, url, first["ETag"]).status_code == 304

    write(order, sales_user)

    second = conditional_get(client, url, first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert str(events_of(second)["SO-0001"]["SUMMARY"]) == "SO-0001 · Changed Ltd"
    assert conditional_get(client, url, second["ETag"]).status_code == 304


def test_a_status_update_without_the_service_takes_the_order_out(client, sales_user):
    SalesOrderFactory(reference="SO-0001")
    SalesOrderFactory(reference="SO-0002")
    url = path_for(sales_user)
    first = client.get(url)
    SalesOrder.objects.filter(reference="SO-0001").update(status=Status.COMPLETE)
    second = conditional_get(client, url, first["ETag"])
    assert set(events_of(second)) == {"SO-0002"}


def test_bulk_created_order_enters_the_feed(client, sales_user):
    existing = SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    first = client.get(url)
    SalesOrder.objects.bulk_create(
        [
            SalesOrder(
                reference="SO-0002",
                reference_number=2,
                customer=existing.customer,
                customer_name="New Ltd",
                currency="EUR",
                target_date=existing.target_date,
            )
        ]
    )
    second = conditional_get(client, url, first["ETag"])
    assert set(events_of(second)) == {"SO-0001", "SO-0002"}


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_a_deleted_order_leaves_the_feed(client, sales_user, how):
    SalesOrderFactory(reference="SO-0001")
    doomed = SalesOrderFactory(reference="SO-0002")
    url = path_for(sales_user)
    first = client.get(url)
    assert set(events_of(first)) == {"SO-0001", "SO-0002"}
    if how == "instance":
        doomed.delete()
    else:
        SalesOrder.objects.filter(pk=doomed.pk).delete()
    second = conditional_get(client, url, first["ETag"])
    assert set(events_of(second)) == {"SO-0001"}


def test_a_line_written_with_bulk_update_changes_the_etag(client, sales_user):
    """The delivery and invoicing states come from the lines: a line write alone is a change."""
    line = SalesOrderLineFactory(order=SalesOrderFactory(reference="SO-0001"))
    url = path_for(sales_user)
    etag = client.get(url)["ETag"]
    line.shipped_quantity = Decimal("4")
    SalesOrderLine.objects.bulk_update([line], ["shipped_quantity"])
    assert conditional_get(client, url, etag).status_code == 200


def test_a_customer_recoded_with_update_changes_a_customer_feed(client, sales_user):
    """The customer filter matches customers' codes: recoding one changes what the feed holds."""
    customer = CustomerFactory(code="C-00077")
    SalesOrderFactory(reference="SO-0001", customer=customer)
    url = path_for(sales_user) + "?customer=C-00077"
    first = client.get(url)
    assert set(events_of(first)) == {"SO-0001"}
    type(customer).objects.filter(pk=customer.pk).update(code="C-00078")
    second = conditional_get(client, url, first["ETag"])
    assert set(events_of(second)) == set()


def test_a_rolled_back_write_leaves_the_etag(client, sales_user):
    order = SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    etag = client.get(url)["ETag"]
    with pytest.raises(RuntimeError), transaction.atomic():
        SalesOrder.objects.filter(pk=order.pk).update(customer_name="Never Ltd")
        raise RuntimeError("roll back")
    assert conditional_get(client, url, etag).status_code == 304


def test_writes_of_other_tables_keep_the_304(client, sales_user):
    SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    etag = client.get(url)["ETag"]
    UserFactory()  # not on the feed
    assert conditional_get(client, url, etag).status_code == 304


def test_a_missing_generation_row_comes_back_with_the_next_write(client, sales_user):
    order = SalesOrderFactory(reference="SO-0001")
    FeedGeneration.objects.all().delete()  # as a flush does
    url = path_for(sales_user)
    etag = client.get(url)["ETag"]
    salesorder_touch(order=order, user=sales_user)
    assert FeedGeneration.objects.filter(pk=1).exists()
    assert conditional_get(client, url, etag).status_code == 200


# --- PostgreSQL: the generation is written at commit ------------------------------------------


def _generation() -> int:
    return FeedGeneration.objects.get(pk=1).generation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_generation_changes_when_the_write_commits_not_before():
    order = SalesOrderFactory(reference="SO-0001")
    before = _generation()
    wrote, release, done = threading.Event(), threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                SalesOrder.objects.filter(pk=order.pk).update(customer_name="Later Ltd")
                wrote.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert wrote.wait(10)
    assert _generation() == before  # uncommitted: readers still see the old data
    release.set()
    thread.join(10)
    assert done.is_set()
    assert _generation() != before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_open_transactions_writing_orders_do_not_wait_for_each_other():
    """The counter's row is locked at commit only: a second transaction writes its order while
    the first, having written another, is still open."""
    first_order = SalesOrderFactory(reference="SO-0001")
    second_order = SalesOrderFactory(reference="SO-0002")
    wrote, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                SalesOrder.objects.filter(pk=first_order.pk).update(customer_name="A Ltd")
                wrote.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert wrote.wait(10)
        before = _generation()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            SalesOrder.objects.filter(pk=second_order.pk).update(customer_name="B Ltd")
        assert _generation() != before
    finally:
        release.set()
        thread.join(10)
