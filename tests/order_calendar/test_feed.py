"""The ICS feed: token authentication, which orders appear, every event field, RFC 5545 text,
HTTP caching, and a query count that does not grow with the number of orders."""

import datetime
import logging
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from order_calendar import feeds, selectors, services
from order_calendar.models import OrderCalendarEvent
from salesorders.models import SalesOrder
from salesorders.services import salesorder_touch
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    SalesOrderFactory,
    SalesOrderLineFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = SalesOrder.Status
_WEIRD_START = 'Müller, Söhne; "Quote" \\ Back\nSecond line 🚚 '
WEIRD_NAME = _WEIRD_START + "x" * (200 - len(_WEIRD_START))  # 200 characters: the column's max


@pytest.fixture(autouse=True)
def empty_cache():
    # Primary keys are reused after a rolled-back test; cached events must not leak across.
    cache.clear()
    yield
    cache.clear()


def path_for(user, token: str | None = None) -> str:
    token = token or selectors.feed_token(user)
    return reverse("calendar:feed", kwargs={"user_id": user.pk, "token": token})


def events_of(response) -> dict[str, object]:
    """Parse the feed and return its VEVENTs by SUMMARY's reference."""
    assert response.status_code == 200, response.content
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]).split(" · ")[0]: event for event in calendar.walk("VEVENT")}


# --- Authentication --------------------------------------------------------------------------


def test_feed_url_without_token_is_not_found(client, sales_user):
    """No token in the path: nothing there, and no redirect to a login page either."""
    assert client.get("/calendar/feed/orders.ics").status_code == 404
    assert client.get(f"/calendar/feed/{sales_user.pk}/orders.ics").status_code == 404


def test_feed_with_wrong_token_is_not_found_and_shows_no_orders(client, sales_user):
    SalesOrderFactory(reference="SO-0042")
    token = selectors.feed_token(sales_user)
    wrong = ("A" if token[0] != "A" else "B") + token[1:]
    response = client.get(path_for(sales_user, wrong))
    assert response.status_code == 404
    assert b"SO-0042" not in response.content
    assert b"VCALENDAR" not in response.content


def test_feed_token_of_one_user_does_not_open_another_users_feed(client, sales_user):
    other = UserFactory(username="other")
    other.groups.set(sales_user.groups.all())
    url = reverse(
        "calendar:feed", kwargs={"user_id": other.pk, "token": selectors.feed_token(sales_user)}
    )
    assert client.get(url).status_code == 404


def test_feed_works_without_a_session(client, sales_user):
    """Calendar clients have no session: the token alone is enough."""
    SalesOrderFactory(reference="SO-0001")
    response = client.get(path_for(sales_user))
    assert "SO-0001" in events_of(response)


def test_regenerated_token_retires_the_old_url_at_once(client, sales_user):
    old = path_for(sales_user)
    assert client.get(old).status_code == 200
    services.feed_token_regenerate(user=sales_user)
    new = path_for(sales_user)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_regenerate_view_changes_the_subscribe_url(client, sales_user):
    client.force_login(sales_user)
    old = path_for(sales_user)
    response = client.post(reverse("calendar:feed-regenerate"))
    assert response.status_code == 302
    sales_user.refresh_from_db()
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(path_for(sales_user)).status_code == 200


def test_regenerate_is_post_only(client, sales_user):
    client.force_login(sales_user)
    old = path_for(sales_user)
    assert client.get(reverse("calendar:feed-regenerate")).status_code == 405
    assert client.get(old).status_code == 200


def test_user_without_order_permission_gets_no_feed(client, user):
    SalesOrderFactory(reference="SO-0007")
    response = client.get(path_for(user))
    assert response.status_code == 403
    assert b"SO-0007" not in response.content


def test_inactive_user_gets_no_feed(client, sales_user):
    url = path_for(sales_user)
    sales_user.is_active = False
    sales_user.save()
    assert client.get(url).status_code == 404


def test_feed_token_is_not_logged(client, sales_user, user, caplog):
    """Refusals are not logged with the path, which carries the token."""
    caplog.set_level(logging.DEBUG)
    bad_flag = path_for(sales_user) + "?include_completed=maybe"
    assert client.get(bad_flag).status_code == 400
    assert client.get(path_for(user)).status_code == 403
    assert client.get(path_for(sales_user, "wrong-token")).status_code == 404
    logged = caplog.text
    assert selectors.feed_token(sales_user) not in logged
    assert selectors.feed_token(user) not in logged
    assert "wrong-token" not in logged


def test_database_holds_no_working_token(client, sales_user):
    services.feed_token_regenerate(user=sales_user)
    stored = sales_user.calendar_feed_token.key
    assert stored != selectors.feed_token(sales_user)
    assert client.get(path_for(sales_user, stored)).status_code == 404


# --- Which orders appear ---------------------------------------------------------------------


@pytest.fixture
def orders_of_every_status():
    return {status: SalesOrderFactory(reference=f"SO-{status}", status=status) for status in Status}


def test_feed_leaves_out_completed_and_cancelled_by_default(
    client, sales_user, orders_of_every_status
):
    events = events_of(client.get(path_for(sales_user)))
    assert set(events) == {"SO-pending", "SO-pending_approval", "SO-issued", "SO-on_hold"}


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1", "yes", "YES"])
def test_include_completed_true_adds_completed_and_cancelled(
    client, sales_user, orders_of_every_status, value
):
    events = events_of(client.get(path_for(sales_user) + f"?include_completed={value}"))
    assert set(events) == {f"SO-{status}" for status in Status}


@pytest.mark.parametrize("value", ["false", "FALSE", "0", "no", "No"])
def test_include_completed_false_leaves_them_out(client, sales_user, orders_of_every_status, value):
    events = events_of(client.get(path_for(sales_user) + f"?include_completed={value}"))
    assert set(events) == {"SO-pending", "SO-pending_approval", "SO-issued", "SO-on_hold"}


@pytest.mark.parametrize("value", ["maybe", "", "2", "on", "truee"])
def test_include_completed_invalid_value_is_a_400_with_a_message(client, sales_user, value):
    response = client.get(path_for(sales_user) + f"?include_completed={value}")
    assert response.status_code == 400
    assert "include_completed must be true or false" in response.content.decode()


def test_orders_without_target_date_are_left_out(client, sales_user):
    SalesOrderFactory(reference="SO-0001")
    SalesOrderFactory(reference="SO-0002", target_date=None)
    assert set(events_of(client.get(path_for(sales_user)))) == {"SO-0001"}


def test_feed_takes_status_and_customer_filters(client, sales_user):
    acme = CustomerFactory(name="Acme")
    SalesOrderFactory(reference="SO-0001", customer=acme, status=Status.ISSUED)
    SalesOrderFactory(reference="SO-0002", customer=acme, status=Status.PENDING)
    SalesOrderFactory(reference="SO-0003", status=Status.ISSUED)
    SalesOrderFactory(reference="SO-0004", customer=acme, status=Status.COMPLETE)
    url = path_for(sales_user)
    assert set(events_of(client.get(f"{url}?customer={acme.code}"))) == {"SO-0001", "SO-0002"}
    assert set(events_of(client.get(f"{url}?status=issued"))) == {"SO-0001", "SO-0003"}
    # An explicit status filter wins over the default that hides completed orders.
    assert set(events_of(client.get(f"{url}?status=complete"))) == {"SO-0004"}
    response = client.get(f"{url}?customer={acme.code}&status=issued")
    assert set(events_of(response)) == {"SO-0001"}
    assert "Acme" in str(Calendar.from_ical(response.content)["X-WR-CALNAME"])


def test_feed_with_a_bad_filter_is_a_400(client, sales_user):
    response = client.get(path_for(sales_user) + "?status=lost")
    assert response.status_code == 400
    assert b"status" in response.content


# --- Events and calendar properties ----------------------------------------------------------


def test_every_event_field(client, sales_user, settings):
    settings.SITE_URL = "https://orders.example.com"
    order = SalesOrderFactory(
        reference="SO-0042",
        customer=CustomerFactory(name="Acme GmbH", currency="EUR"),
        status=Status.ISSUED,
        order_date=datetime.date(2026, 11, 1),
        target_date=datetime.date(2026, 11, 20),
        customer_reference="PO-778",
        total=Decimal("12345.60"),
        line_count=2,
    )
    SalesOrderLineFactory(order=order, quantity=Decimal("10"), shipped_quantity=Decimal("4"))
    order.refresh_from_db()

    response = client.get(path_for(sales_user))
    event = events_of(response)["SO-0042"]

    assert event["UID"] == f"salesorder-{order.pk}@orders.example.com"
    assert event.decoded("DTSTART") == datetime.date(2026, 11, 20)
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event.decoded("DTEND") == datetime.date(2026, 11, 21)
    assert str(event["SUMMARY"]) == "SO-0042 · Acme GmbH"
    description = str(event["DESCRIPTION"])
    assert "Status: Issued" in description
    assert "Delivery: Partially shipped" in description
    assert "Customer PO: PO-778" in description
    assert "Lines: 2" in description
    assert "Total: 12,345.60 EUR" in description
    assert str(event["URL"]) == f"https://orders.example.com{order.get_absolute_url()}"
    stamp = order.updated_at.replace(microsecond=0)
    assert event.decoded("DTSTAMP") == stamp
    assert event.decoded("LAST-MODIFIED") == stamp
    assert event.decoded("CREATED") == order.created_at.replace(microsecond=0)
    assert event.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert event["SEQUENCE"] == order.version
    assert event["STATUS"] == "CONFIRMED"
    assert event["CATEGORIES"].cats == ["Issued"]
    assert event["TRANSP"] == "TRANSPARENT"


def test_calendar_properties(client, sales_user, settings):
    settings.COMPANY_NAME = "Northwind Supply"
    response = client.get(path_for(sales_user))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sales-orders.ics"'
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert "Northwind Supply" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Northwind Supply sales orders"
    assert calendar.decoded("REFRESH-INTERVAL") == datetime.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content


def test_cancelled_order_is_a_cancelled_event(client, sales_user):
    SalesOrderFactory(reference="SO-0009", status=Status.CANCELLED)
    event = events_of(client.get(path_for(sales_user) + "?include_completed=yes"))["SO-0009"]
    assert event["STATUS"] == "CANCELLED"
    assert event["CATEGORIES"].cats == ["Cancelled"]


def test_delivery_state_not_shipped_and_empty_customer_po(client, sales_user):
    SalesOrderFactory(reference="SO-0010")
    description = str(events_of(client.get(path_for(sales_user)))["SO-0010"]["DESCRIPTION"])
    assert "Delivery: Not shipped" in description
    assert "Customer PO: -" in description


def test_awkward_customer_name_is_escaped_folded_and_intact(client, sales_user):
    SalesOrderFactory(reference="SO-0001", customer=CustomerFactory(name=WEIRD_NAME))
    order = SalesOrder.objects.get()
    order.customer_name = WEIRD_NAME
    order.save()
    response = client.get(path_for(sales_user))
    raw = response.content

    # Round trip: the parsed SUMMARY is exactly what we stored.
    event = events_of(response)["SO-0001"]
    assert str(event["SUMMARY"]) == f"SO-0001 · {WEIRD_NAME}"
    # The text: CRLF only, every line at most 75 octets, folded lines start with a space,
    # and the special characters escaped in the (unfolded) SUMMARY.
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    summary = next(line for line in unfolded.split("\r\n") if line.startswith("SUMMARY:"))
    assert 'Müller\\, Söhne\\; "Quote" \\\\ Back\\nSecond line 🚚' in summary
    for line in lines:
        line.decode("utf-8")  # no multi-byte character split by folding


def test_uid_stays_and_sequence_grows_when_the_order_changes(client, sales_user):
    order = SalesOrderFactory(reference="SO-0005", customer_name="Before")
    first = events_of(client.get(path_for(sales_user)))["SO-0005"]

    SalesOrder.objects.filter(pk=order.pk).update(customer_name="After")
    salesorder_touch(order=order, user=sales_user)
    second = events_of(client.get(path_for(sales_user)))["SO-0005"]

    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert str(second["SUMMARY"]) == "SO-0005 · After"
    assert second.decoded("LAST-MODIFIED") >= first.decoded("LAST-MODIFIED")


# --- HTTP caching ----------------------------------------------------------------------------


def test_matching_if_none_match_gets_304(client, sales_user):
    SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    first = client.get(url)
    etag = first["ETag"]
    assert etag and first["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_etag_changes_when_an_order_changes_enters_or_leaves(client, sales_user):
    order = SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    etags = [client.get(url)["ETag"]]

    salesorder_touch(order=order, user=sales_user)
    etags.append(client.get(url)["ETag"])

    SalesOrderFactory(reference="SO-0002")
    etags.append(client.get(url)["ETag"])

    SalesOrder.objects.filter(pk=order.pk).update(status=Status.COMPLETE)
    salesorder_touch(order=order, user=sales_user)
    response = client.get(url, headers={"If-None-Match": etags[-1]})
    assert response.status_code == 200
    assert set(events_of(response)) == {"SO-0002"}
    etags.append(response["ETag"])
    assert len(set(etags)) == len(etags)


def test_etag_differs_per_filter(client, sales_user):
    SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    assert client.get(url)["ETag"] != client.get(url + "?include_completed=true")["ETag"]


def test_renaming_the_filtered_customer_renames_the_feed(client, sales_user):
    """The calendar's name shows the customer of a customer filter; a rename reaches clients."""
    customer = CustomerFactory(code="C-00077", name="Old Name")
    SalesOrderFactory(reference="SO-0001", customer=customer)
    url = path_for(sales_user) + "?customer=C-00077"
    first = client.get(url)
    assert "Old Name" in str(Calendar.from_ical(first.content)["X-WR-CALNAME"])
    customer.name = "New Name"
    customer.save()
    second = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert "New Name" in str(Calendar.from_ical(second.content)["X-WR-CALNAME"])


# --- Queries ---------------------------------------------------------------------------------


def _orders(count: int) -> None:
    customer = CustomerFactory()
    today = timezone.localdate()
    SalesOrder.objects.bulk_create(
        SalesOrder(
            reference=f"SO-{n:05d}",
            reference_number=n,
            customer=customer,
            customer_name=customer.name,
            currency="EUR",
            target_date=today + datetime.timedelta(days=n % 40),
        )
        for n in range(1, count + 1)
    )


@pytest.mark.parametrize("count", [3, 60])
def test_feed_queries_do_not_grow_with_orders(
    client, sales_user, django_assert_max_num_queries, count
):
    """User (1), permissions (2), fingerprint (1); then orders with stored events (1), and for
    the missing or stale ones: their rows (1) and the upsert into the store (1)."""
    _orders(count)
    url = path_for(sales_user)
    with django_assert_max_num_queries(7):
        cold = client.get(url)
    assert len(events_of(cold)) == count
    salesorder_touch(order=SalesOrder.objects.first(), user=None)
    with django_assert_max_num_queries(7):
        one_changed = client.get(url)
    assert len(events_of(one_changed)) == count
    cache.clear()  # a new process: the store is filled, Django's cache empty
    with django_assert_max_num_queries(5):
        cold_process = client.get(url)
    assert cold_process.content == one_changed.content
    with django_assert_max_num_queries(4):
        warm = client.get(url)
    assert warm.content == one_changed.content
    with django_assert_max_num_queries(4):
        assert client.get(url, headers={"If-None-Match": warm["ETag"]}).status_code == 304


def test_cached_events_are_reused_and_a_changed_order_rebuilt(client, sales_user):
    _orders(5)
    url = path_for(sales_user)
    before = events_of(client.get(url))
    order = SalesOrder.objects.get(reference="SO-00003")
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Renamed Ltd")
    salesorder_touch(order=order, user=sales_user)
    after = events_of(client.get(url))
    assert str(after["SO-00003"]["SUMMARY"]) == "SO-00003 · Renamed Ltd"
    assert after["SO-00001"].to_ical() == before["SO-00001"].to_ical()


def test_fast_serialization_equals_icalendars_own():
    """feeds.serialize skips folding short lines; the text is what to_ical() makes."""
    row = {
        "pk": 7,
        "version": 3,
        "reference": "SO-0007",
        "customer_name": WEIRD_NAME,
        "customer_reference": "PO; 1, 2",
        "status": Status.ON_HOLD,
        "target_date": datetime.date(2026, 11, 20),
        "currency": "EUR",
        "total": Decimal("1.50"),
        "line_count": 1,
        "created_at": timezone.now(),
        "updated_at": timezone.now(),
        "delivery_state": "not_shipped",
    }
    event = feeds.order_event(row, detail_url="https://example.com/orders/7/", host="example.com")
    assert feeds.serialize(event) == event.to_ical()


# --- The event store (OrderCalendarEvent) ----------------------------------------------------


@pytest.fixture
def builds(monkeypatch):
    """Counts the events built with icalendar."""
    built = []
    original = feeds.order_event

    def counting(row, **kwargs):
        built.append(row["pk"])
        return original(row, **kwargs)

    monkeypatch.setattr(feeds, "order_event", counting)
    return built


def stored_versions() -> dict[int, int]:
    return dict(OrderCalendarEvent.objects.values_list("order_id", "version"))


def order_versions() -> dict[int, int]:
    return dict(SalesOrder.objects.values_list("pk", "version"))


def test_stored_events_are_reused_after_the_cache_is_cleared(client, sales_user, builds):
    """Another process, or this one after a restart, builds nothing: the text is in the database."""
    _orders(5)
    url = path_for(sales_user)
    first = client.get(url)
    assert len(builds) == 5
    assert stored_versions() == order_versions()
    assert all(
        row.source == feeds.event_source_key() and row.ics.startswith("BEGIN:VEVENT\r\n")
        for row in OrderCalendarEvent.objects.all()
    )

    cache.clear()
    again = client.get(url)
    assert len(builds) == 5  # nothing built
    assert again.content == first.content


def test_an_edit_rebuilds_only_that_orders_stored_event(client, sales_user, builds):
    _orders(5)
    url = path_for(sales_user)
    before = events_of(client.get(url))
    built_at = dict(OrderCalendarEvent.objects.values_list("order_id", "built_at"))
    order = SalesOrder.objects.get(reference="SO-00003")
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Renamed Ltd")
    salesorder_touch(order=order, user=sales_user)
    builds.clear()
    cache.clear()

    after = events_of(client.get(url))
    assert builds == [order.pk]
    assert stored_versions() == order_versions()
    assert stored_versions()[order.pk] == order.version
    row = OrderCalendarEvent.objects.get(pk=order.pk)
    assert "Renamed Ltd" in row.ics
    assert row.built_at > built_at[order.pk]
    others = dict(
        OrderCalendarEvent.objects.exclude(pk=order.pk).values_list("order_id", "built_at")
    )
    assert others == {pk: at for pk, at in built_at.items() if pk != order.pk}
    assert str(after["SO-00003"]["SUMMARY"]) == "SO-00003 · Renamed Ltd"
    assert after["SO-00001"].to_ical() == before["SO-00001"].to_ical()


def test_feed_text_from_the_store_is_what_icalendar_makes(client, sales_user, settings):
    """Built now or read back from the database: byte for byte what icalendar's to_ical() makes."""
    SalesOrderFactory(reference="SO-0001", customer_name=WEIRD_NAME)
    _orders(3)
    url = path_for(sales_user)
    built = client.get(url).content
    cache.clear()
    stored = client.get(url).content
    assert stored == built

    head, tail = feeds.calendar_shell(f"{settings.COMPANY_NAME} sales orders")
    rows = (
        SalesOrder.objects.open()
        .with_delivery_state()
        .with_invoicing_state()
        .order_by("target_date", "reference_number", "pk")
        .values(*feeds.EVENT_FIELDS)
    )
    events = [
        feeds.order_event(
            row,
            detail_url=settings.SITE_URL + reverse("salesorders:detail", args=[row["pk"]]),
            host=feeds._site_host(),
        ).to_ical()
        for row in rows
    ]
    assert stored == b"".join([head, *events, tail])


def test_a_changed_site_url_rebuilds_the_stored_events(client, sales_user, settings, builds):
    _orders(2)
    settings.SITE_URL = "https://old.example.com"
    client.get(path_for(sales_user))
    assert len(builds) == 2
    settings.SITE_URL = "https://new.example.com"
    cache.clear()
    events = events_of(client.get(path_for(sales_user)))
    assert len(builds) == 4
    assert all(
        str(event["URL"]).startswith("https://new.example.com/") for event in events.values()
    )
    assert all("@new.example.com" in str(event["UID"]) for event in events.values())
    assert set(OrderCalendarEvent.objects.values_list("source", flat=True)) == {
        feeds.event_source_key()
    }


def test_calendar_events_refresh_stores_the_current_version(
    client, sales_user, builds, django_assert_max_num_queries
):
    _orders(3)
    client.get(path_for(sales_user))
    order = SalesOrder.objects.get(reference="SO-00002")
    salesorder_touch(order=order, user=None)
    builds.clear()
    with django_assert_max_num_queries(3):
        assert services.calendar_events_refresh([order.pk]) == 1
    assert builds == [order.pk]
    assert stored_versions() == order_versions()
    cache.clear()
    client.get(path_for(sales_user))
    assert builds == [order.pk]  # the feed found everything stored


def test_a_committed_order_change_refreshes_its_stored_event(
    client, sales_user, builds, django_capture_on_commit_callbacks
):
    """After an edit commits, the feed finds the new event already stored and builds nothing."""
    _orders(3)
    client.get(path_for(sales_user))
    order = SalesOrder.objects.get(reference="SO-00002")
    with django_capture_on_commit_callbacks(execute=True):
        salesorder_touch(order=order, user=None)
    assert stored_versions() == order_versions()
    builds.clear()
    cache.clear()
    assert client.get(path_for(sales_user)).status_code == 200
    assert builds == []


def test_refresh_drops_the_event_of_an_order_without_target_date():
    _orders(2)
    first, second = SalesOrder.objects.order_by("pk")
    assert services.calendar_events_refresh([first.pk, second.pk]) == 2
    SalesOrder.objects.filter(pk=first.pk).update(target_date=None, version=5)
    assert services.calendar_events_refresh([first.pk, second.pk, 999_999]) == 1
    assert set(stored_versions()) == {second.pk}
    assert services.calendar_events_refresh([]) == 0


def test_storing_the_same_events_twice_does_not_fail(client, sales_user):
    """Two requests filling the same rows: the upsert takes the second write."""
    _orders(3)
    rows = (
        SalesOrder.objects.with_delivery_state().with_invoicing_state().values(*feeds.EVENT_FIELDS)
    )
    events = list(feeds.build_events(rows, source=feeds.event_source_key()).values())
    feeds.store_events(events)
    feeds.store_events(events)
    assert stored_versions() == order_versions()
    body = client.get(path_for(sales_user)).content
    assert body.count(b"BEGIN:VEVENT") == 3


def test_warm_calendar_fills_the_store(client, sales_user, builds):
    _orders(5)
    SalesOrderFactory(reference="SO-NODATE", target_date=None)
    completed = SalesOrderFactory(reference="SO-DONE", status=Status.COMPLETE)
    orphan = SalesOrderFactory(reference="SO-LOST")
    services.calendar_events_refresh([orphan.pk])
    SalesOrder.objects.filter(pk=orphan.pk).update(target_date=None)

    call_command("warm_calendar", "--no-progress", "--batch-size", "2", verbosity=0)
    with_date = SalesOrder.objects.filter(target_date__isnull=False)
    assert stored_versions() == dict(with_date.values_list("pk", "version"))
    assert completed.pk in stored_versions()  # for feeds with include_completed
    assert orphan.pk not in stored_versions()

    builds.clear()
    events_of(client.get(path_for(sales_user)))
    events_of(client.get(path_for(sales_user) + "?include_completed=true"))
    assert builds == []

    salesorder_touch(order=completed, user=None)
    call_command("warm_calendar", "--no-progress", verbosity=0)
    assert builds == [completed.pk]  # only the stale one
    call_command("warm_calendar", "--no-progress", "--all", verbosity=0)
    assert len(builds) == 1 + 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_warm_calendar_in_several_processes_stores_every_event():
    """--jobs 2: two processes, each with its own connection, build the batches; every order
    with a target date ends with its event, at its version."""
    _orders(7)
    SalesOrderFactory(reference="SO-NODATE", target_date=None)
    out = StringIO()
    call_command("warm_calendar", "--no-progress", "--batch-size", "2", "--jobs", "2", stdout=out)
    with_date = SalesOrder.objects.filter(target_date__isnull=False)
    assert stored_versions() == dict(with_date.values_list("pk", "version"))
    assert "Stored 7 calendar event(s)" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_fills_of_the_same_rows_do_not_fail():
    """Several connections upserting overlapping sets of events at once, in any order."""
    import random
    import threading

    from django.db import connection

    _orders(300)
    pks = list(SalesOrder.objects.values_list("pk", flat=True))
    orders = SalesOrder.objects.open().filter(target_date__isnull=False)
    errors = []
    start = threading.Barrier(6)

    def fill(seed: int) -> None:
        try:
            mine = pks[:]
            random.Random(seed).shuffle(mine)
            start.wait()
            for round_ in range(4):
                if seed % 2:
                    services.calendar_events_refresh(mine[: 100 + 50 * round_])
                else:
                    assert len(feeds.serialized_events(orders)) == 300
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=fill, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert stored_versions() == order_versions()


def test_dev_server_request_lines_do_not_carry_the_feed_token(sales_user):
    """`make run` logs each refused request with its path; the token in it is redacted."""
    import io

    from config.logfilters import RedactFeedTokens

    server_log = logging.getLogger("django.server")
    (handler,) = [
        h for h in server_log.handlers if any(isinstance(f, RedactFeedTokens) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        path = path_for(sales_user) + "?include_completed=maybe"
        server_log.warning('"GET %s HTTP/1.1" %s %s', path, 400, 52)
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert selectors.feed_token(sales_user) not in written
    assert f"/calendar/feed/{sales_user.pk}/<token>/orders.ics?include_completed=maybe" in written


def test_a_feed_with_no_orders_is_still_a_valid_calendar(client, sales_user, settings):
    """RFC 5545 wants at least one component: the company's time zone is always there."""
    response = client.get(path_for(sales_user))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT") == []
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == settings.TIME_ZONE == str(calendar["X-WR-TIMEZONE"])


def test_a_password_change_retires_the_feed_url_and_regenerate_still_works(client, sales_user):
    """The feed URL from before Change password answers 404 afterwards; the new one works,
    and Regenerate gives yet another."""
    client.force_login(sales_user)
    old_path = reverse(
        "calendar:feed",
        kwargs={"user_id": sales_user.pk, "token": selectors.feed_token(sales_user)},
    )
    assert client.get(old_path).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new horse battery",
            "new_password2": "a new horse battery",
        },
    )
    assert response.status_code == 302
    assert client.get(old_path).status_code == 404
    sales_user = type(sales_user).objects.get(pk=sales_user.pk)
    new_token = selectors.feed_token(sales_user)
    new_path = reverse("calendar:feed", kwargs={"user_id": sales_user.pk, "token": new_token})
    assert client.get(new_path).status_code == 200
    client.post(reverse("calendar:feed-regenerate"))
    assert client.get(new_path).status_code == 404
