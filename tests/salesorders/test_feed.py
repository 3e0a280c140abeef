"""The ICS feed: token authentication, which orders appear, every event field, RFC 5545 text,
HTTP caching, and a query count that does not grow with the number of orders."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from salesorders import feeds
from salesorders.models import SalesOrder
from salesorders.services import touch_order
from tests.factories import (
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
    token = token or feeds.feed_token(user)
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
    token = feeds.feed_token(sales_user)
    wrong = ("A" if token[0] != "A" else "B") + token[1:]
    response = client.get(path_for(sales_user, wrong))
    assert response.status_code == 404
    assert b"SO-0042" not in response.content
    assert b"VCALENDAR" not in response.content


def test_feed_token_of_one_user_does_not_open_another_users_feed(client, sales_user):
    other = UserFactory(username="other")
    other.groups.set(sales_user.groups.all())
    url = reverse(
        "calendar:feed", kwargs={"user_id": other.pk, "token": feeds.feed_token(sales_user)}
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
    feeds.regenerate_feed_token(user=sales_user)
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
    assert feeds.feed_token(sales_user) not in logged
    assert feeds.feed_token(user) not in logged
    assert "wrong-token" not in logged


def test_database_holds_no_working_token(client, sales_user):
    feeds.regenerate_feed_token(user=sales_user)
    stored = sales_user.calendar_feed_token.key
    assert stored != feeds.feed_token(sales_user)
    assert client.get(path_for(sales_user, stored)).status_code == 404


# --- Which orders appear ---------------------------------------------------------------------


@pytest.fixture
def orders_of_every_status():
    return {status: SalesOrderFactory(reference=f"SO-{status}", status=status) for status in Status}


def test_feed_leaves_out_completed_and_cancelled_by_default(
    client, sales_user, orders_of_every_status
):
    events = events_of(client.get(path_for(sales_user)))
    assert set(events) == {"SO-pending", "SO-issued", "SO-on_hold"}


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1", "yes", "YES"])
def test_include_completed_true_adds_completed_and_cancelled(
    client, sales_user, orders_of_every_status, value
):
    events = events_of(client.get(path_for(sales_user) + f"?include_completed={value}"))
    assert set(events) == {f"SO-{status}" for status in Status}


@pytest.mark.parametrize("value", ["false", "FALSE", "0", "no", "No"])
def test_include_completed_false_leaves_them_out(client, sales_user, orders_of_every_status, value):
    events = events_of(client.get(path_for(sales_user) + f"?include_completed={value}"))
    assert set(events) == {"SO-pending", "SO-issued", "SO-on_hold"}


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
    assert set(events_of(client.get(f"{url}?customer={acme.pk}"))) == {"SO-0001", "SO-0002"}
    assert set(events_of(client.get(f"{url}?status=issued"))) == {"SO-0001", "SO-0003"}
    # An explicit status filter wins over the default that hides completed orders.
    assert set(events_of(client.get(f"{url}?status=complete"))) == {"SO-0004"}
    response = client.get(f"{url}?customer={acme.pk}&status=issued")
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
    touch_order(order=order, user=sales_user)
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

    touch_order(order=order, user=sales_user)
    etags.append(client.get(url)["ETag"])

    SalesOrderFactory(reference="SO-0002")
    etags.append(client.get(url)["ETag"])

    SalesOrder.objects.filter(pk=order.pk).update(status=Status.COMPLETE)
    touch_order(order=order, user=sales_user)
    response = client.get(url, headers={"If-None-Match": etags[-1]})
    assert response.status_code == 200
    assert set(events_of(response)) == {"SO-0002"}
    etags.append(response["ETag"])
    assert len(set(etags)) == len(etags)


def test_etag_differs_per_filter(client, sales_user):
    SalesOrderFactory(reference="SO-0001")
    url = path_for(sales_user)
    assert client.get(url)["ETag"] != client.get(url + "?include_completed=true")["ETag"]


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
    _orders(count)
    url = path_for(sales_user)
    with django_assert_max_num_queries(6):
        cold = client.get(url)
    assert len(events_of(cold)) == count
    touch_order(order=SalesOrder.objects.first(), user=None)
    with django_assert_max_num_queries(6):
        one_changed = client.get(url)
    assert len(events_of(one_changed)) == count
    cold = one_changed
    with django_assert_max_num_queries(4):
        warm = client.get(url)
    assert warm.content == cold.content
    with django_assert_max_num_queries(4):
        assert client.get(url, headers={"If-None-Match": cold["ETag"]}).status_code == 304


def test_cached_events_are_reused_and_a_changed_order_rebuilt(client, sales_user):
    _orders(5)
    url = path_for(sales_user)
    before = events_of(client.get(url))
    order = SalesOrder.objects.get(reference="SO-00003")
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Renamed Ltd")
    touch_order(order=order, user=sales_user)
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
