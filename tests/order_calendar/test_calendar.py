"""The order calendar page: month grid, navigation, filters, busy days, Subscribe link."""

import datetime
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from order_calendar import selectors
from order_calendar.grid import (
    ORDERS_PER_DAY,
    add_months,
    build_grid,
    month_days,
    parse_month,
)
from salesorders.models import SalesOrder
from tests.factories import CustomerFactory, SalesOrderFactory, SalesOrderLineFactory

pytestmark = pytest.mark.django_db

Status = SalesOrder.Status
URL = reverse("calendar:month")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def order_on(date: datetime.date, **fields) -> SalesOrder:
    return SalesOrderFactory(order_date=min(date, timezone.localdate()), target_date=date, **fields)


def cell(html: str, date: datetime.date) -> str:
    match = re.search(rf'<td[^>]*data-date="{date.isoformat()}"[^>]*>(.*?)</td>', html, re.S)
    assert match, f"no cell for {date}"
    return match[1]


# --- The grid as logic -----------------------------------------------------------------------


def test_month_days_are_whole_weeks_starting_monday():
    weeks = month_days(datetime.date(2026, 11, 1))
    assert all(len(week) == 7 for week in weeks)
    assert all(week[0].weekday() == 0 for week in weeks)
    assert weeks[0][0] == datetime.date(2026, 10, 26)  # 1 November 2026 is a Sunday
    assert weeks[-1][-1] == datetime.date(2026, 12, 6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-11", datetime.date(2026, 11, 1)), (" 2027-01 ", datetime.date(2027, 1, 1))],
)
def test_parse_month_reads_year_and_month(value, expected):
    assert parse_month(value, datetime.date(2026, 5, 17)) == expected


@pytest.mark.parametrize("value", [None, ""])
def test_parse_month_defaults_to_this_month(value):
    assert parse_month(value, datetime.date(2026, 5, 17)) == datetime.date(2026, 5, 1)


@pytest.mark.parametrize(
    "value", ["2026-13", "2026-00", "2026-1", "nov", "26-11", "0001-01", "0000-01", "1899-12"]
)
def test_parse_month_refuses_what_is_not_a_month(value):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(value, datetime.date(2026, 5, 17))


def test_add_months_crosses_years():
    assert add_months(datetime.date(2026, 12, 1), 1) == datetime.date(2027, 1, 1)
    assert add_months(datetime.date(2026, 1, 1), -1) == datetime.date(2025, 12, 1)


def test_build_grid_caps_a_busy_day_and_counts_the_rest():
    day = datetime.date(2026, 11, 10)
    orders = [SalesOrder(reference=f"SO-{n}", target_date=day) for n in range(7)]
    grid = build_grid(
        datetime.date(2026, 11, 1),
        orders,
        today=datetime.date(2026, 11, 3),
        more_url=lambda date: f"/more/{date}",
    )
    busy = next(d for week in grid.weeks for d in week if d.date == day)
    assert [o.reference for o in busy.orders] == [f"SO-{n}" for n in range(ORDERS_PER_DAY)]
    assert busy.more == 7 - ORDERS_PER_DAY
    assert busy.more_url == "/more/2026-11-10"
    assert grid.order_count == 7
    assert [d.date for week in grid.weeks for d in week if d.is_today] == [
        datetime.date(2026, 11, 3)
    ]


# --- The page --------------------------------------------------------------------------------


def test_calendar_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_calendar_needs_permission_to_view_orders(client, user):
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_month_shows_orders_on_their_target_dates(sales_client):
    order_on(datetime.date(2026, 11, 20), reference="SO-0042", customer_name="Acme GmbH")
    order_on(datetime.date(2026, 10, 27), reference="SO-0041")  # spill-over week, shown
    order_on(datetime.date(2026, 12, 20), reference="SO-0043")  # next month, not shown
    SalesOrderFactory(reference="SO-0044", target_date=None)

    response = sales_client.get(URL, {"month": "2026-11"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "November 2026" in html
    assert "SO-0042 · Acme GmbH" in cell(html, datetime.date(2026, 11, 20))
    assert "SO-0041" in cell(html, datetime.date(2026, 10, 27))
    assert "SO-0043" not in html
    assert "SO-0044" not in html
    headers = re.findall(r'<th scope="col">(\w+)</th>', html)
    assert headers == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_orders_are_coloured_by_status_and_link_to_the_order(sales_client):
    order = order_on(datetime.date(2026, 11, 20), status=Status.ON_HOLD)
    html = sales_client.get(URL, {"month": "2026-11"}).content.decode()
    day = cell(html, datetime.date(2026, 11, 20))
    assert "badge-status-on_hold" in day
    assert f'href="{order.get_absolute_url()}"' in day


def test_today_is_marked(sales_client):
    today = timezone.localdate()
    html = sales_client.get(URL).content.decode()
    assert re.search(rf'data-date="{today.isoformat()}"\s+aria-current="date"', html)
    assert html.count('aria-current="date"') == 1


def test_overdue_open_orders_are_marked_and_closed_or_shipped_ones_not(sales_client):
    """Overdue: open, past the target date and something still to ship. A fully shipped
    order waiting for Complete Order is not late."""
    today = timezone.localdate()
    past = today - datetime.timedelta(days=3)
    late = SalesOrderFactory(
        reference="SO-LATE", order_date=past, target_date=past, status=Status.ISSUED
    )
    SalesOrderLineFactory(order=late)
    shipped = SalesOrderFactory(
        reference="SO-SENT", order_date=past, target_date=past, status=Status.ISSUED
    )
    SalesOrderLineFactory(order=shipped, shipped_quantity=Decimal("10"))
    SalesOrderFactory(
        reference="SO-DONE", order_date=past, target_date=past, status=Status.COMPLETE
    )
    html = sales_client.get(URL, {"month": f"{past:%Y-%m}"}).content.decode()
    day = cell(html, past)
    late = re.search(r'<a class="([^"]*)"[^>]*>\s*SO-LATE', day)
    sent = re.search(r'<a class="([^"]*)"[^>]*>\s*SO-SENT', day)
    done = re.search(r'<a class="([^"]*)"[^>]*>\s*SO-DONE', day)
    assert "cal-overdue" in late[1]
    assert "cal-overdue" not in sent[1]
    assert "cal-overdue" not in done[1]
    assert day.count("(overdue)") == 1


def test_busy_day_shows_the_first_few_and_links_to_the_list_for_that_day(sales_client):
    day = datetime.date(2026, 11, 12)
    for n in range(ORDERS_PER_DAY + 3):
        order_on(day, reference=f"SO-{n + 1:04d}")
    html = sales_client.get(URL, {"month": "2026-11", "status": "pending"}).content.decode()
    content = cell(html, day)
    assert content.count('class="cal-order') == ORDERS_PER_DAY
    assert "+3 more" in content
    href = re.search(r'href="([^"]+)">\+3 more', content)[1].replace("&amp;", "&")
    assert urlsplit(href).path == reverse("salesorders:list")
    assert parse_qs(urlsplit(href).query) == {
        "status": ["pending"],
        "target_date_after": ["2026-11-12"],
        "target_date_before": ["2026-11-12"],
    }


@pytest.mark.parametrize("value", ["2026-13", "November", "2026-11-01", "0001-01"])
def test_bad_month_is_a_400_with_a_message(sales_client, value):
    response = sales_client.get(URL, {"month": value})
    assert response.status_code == 400
    assert "is not a month. Use the form YYYY-MM" in response.content.decode()


def test_previous_next_and_today_links_keep_the_filters(sales_client):
    customer = CustomerFactory()
    html = sales_client.get(
        URL, {"month": "2026-01", "status": "issued", "customer": customer.code}
    ).content.decode()
    html = html.replace("&amp;", "&")
    previous = re.search(r'href="\?([^"]+)" rel="prev"', html)[1]
    following = re.search(r'href="\?([^"]+)" rel="next"', html)[1]
    for query, month in [(previous, "2025-12"), (following, "2026-02")]:
        assert parse_qs(query) == {
            "status": ["issued"],
            "customer": [customer.code],
            "month": [month],
        }
    assert f"month={timezone.localdate():%Y-%m}" in html


def test_status_and_customer_filters(sales_client):
    day = datetime.date(2026, 11, 5)
    acme = CustomerFactory(name="Acme")
    order_on(day, reference="SO-0001", customer=acme, status=Status.ISSUED)
    order_on(day, reference="SO-0002", customer=acme, status=Status.PENDING)
    order_on(day, reference="SO-0003", status=Status.ISSUED)

    def shown(**params):
        html = sales_client.get(URL, {"month": "2026-11", **params}).content.decode()
        return set(re.findall(r"(SO-\d{4}) ·", html))

    assert shown() == {"SO-0001", "SO-0002", "SO-0003"}
    assert shown(status="issued") == {"SO-0001", "SO-0003"}
    assert shown(customer=acme.code) == {"SO-0001", "SO-0002"}
    assert shown(customer="acm") == {"SO-0001", "SO-0002"}
    assert shown(customer=acme.code, status=["issued", "pending"]) == {"SO-0001", "SO-0002"}
    assert shown(customer="no such customer") == set()


def test_bad_filter_value_is_a_400_with_the_field_error(sales_client):
    order_on(datetime.date(2026, 11, 5), reference="SO-0001")
    response = sales_client.get(URL, {"month": "2026-11", "status": "shipped-yesterday"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "SO-0001" not in html


def test_list_view_link_keeps_status_and_customer(sales_client):
    customer = CustomerFactory()
    html = sales_client.get(
        URL, {"month": "2026-11", "status": "issued", "customer": customer.code}
    ).content.decode()
    href = re.search(r'href="([^"]+)">List view<', html)[1].replace("&amp;", "&")
    assert urlsplit(href).path == reverse("salesorders:list")
    assert parse_qs(urlsplit(href).query) == {"status": ["issued"], "customer": [customer.code]}


def test_subscribe_link_is_the_webcal_feed_url_beside_the_https_one(
    sales_client, sales_user, settings
):
    """Subscribe opens a calendar app that keeps the feed up to date (webcal://); the https
    address, from SITE_URL, is there to copy."""
    settings.SITE_URL = "https://orders.example.com"
    html = sales_client.get(URL).content.decode()
    href = re.search(r'<a class="btn btn-primary" href="([^"]+)"[^>]*>Subscribe</a>', html)[1]
    https = selectors.feed_url(sales_user)
    assert https.startswith("https://orders.example.com/calendar/feed/")
    assert https.endswith("/orders.ics")
    assert href == "webcal://" + https.removeprefix("https://")
    assert f'value="{https}"' in html and 'data-copy-target="feed-url"' in html


def test_the_legend_names_every_status_and_overdue(sales_client):
    html = sales_client.get(URL).content.decode()
    legend = html.split('data-testid="calendar-legend"', 1)[1].split("</div>", 1)[0]
    for label in ("Pending", "Issued", "On Hold", "Complete", "Cancelled", "Overdue"):
        assert label in legend


def test_regenerate_asks_to_confirm_first_and_the_page_changes_nothing(sales_client, sales_user):
    before = selectors.feed_url(sales_user)
    html = sales_client.get(URL).content.decode()
    confirm = reverse("calendar:feed-regenerate-confirm")
    assert f'href="{confirm}?next=' in html
    page = sales_client.get(confirm, {"next": f"{URL}?month=2026-11"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Regenerate your calendar feed address?" in text
    assert f'action="{reverse("calendar:feed-regenerate")}"' in text
    assert 'name="next" value="/calendar/?month=2026-11"' in text
    assert selectors.feed_url(sales_user) == before


def test_regenerate_button_gives_a_new_subscribe_link(sales_client, sales_user):
    before = selectors.feed_url(sales_user)
    response = sales_client.post(
        reverse("calendar:feed-regenerate"), {"next": f"{URL}?month=2026-11"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{URL}?month=2026-11"
    html = response.content.decode()
    assert "old link no longer works" in html
    after = re.search(r'id="feed-url" value="([^"]+)"|value="([^"]+)" readonly', html)
    assert after and (after[1] or after[2]) != before
    assert before not in html


def test_regenerate_does_not_redirect_off_site(sales_client):
    response = sales_client.post(
        reverse("calendar:feed-regenerate"), {"next": "https://evil.example.com/"}
    )
    assert response["Location"] == URL


def test_regenerate_with_a_next_that_is_not_a_path_goes_to_the_calendar(sales_client):
    """Not a server error trying to find a view named "list"."""
    response = sales_client.post(reverse("calendar:feed-regenerate"), {"next": "list"})
    assert response.status_code == 302 and response["Location"] == URL


@pytest.mark.parametrize("count", [3, 60])
def test_month_costs_a_constant_number_of_queries(
    sales_client, django_assert_max_num_queries, count
):
    customer = CustomerFactory()
    first = datetime.date(2026, 11, 1)
    SalesOrder.objects.bulk_create(
        SalesOrder(
            reference=f"SO-{n:04d}",
            reference_number=n,
            customer=customer,
            customer_name=customer.name,
            currency="EUR",
            order_date=first,
            target_date=first + datetime.timedelta(days=n % 30),
        )
        for n in range(1, count + 1)
    )
    with django_assert_max_num_queries(8):
        response = sales_client.get(URL, {"month": "2026-11", "customer": customer.code})
    assert response.status_code == 200
    assert response.context["grid"].order_count == count
