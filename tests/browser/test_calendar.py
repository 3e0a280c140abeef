"""The calendar in a real browser: open it, move to next month, subscribe to the feed."""

import datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from icalendar import Calendar

from order_calendar.grid import add_months
from tests.browser.conftest import log_in
from tests.factories import SalesOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_open_calendar_go_to_next_month_and_subscribe(page, live_server, sales_user, settings):
    cache.clear()
    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    next_month = add_months(today.replace(day=1), 1)
    on_day = next_month + datetime.timedelta(days=9)
    SalesOrderFactory(reference="SO-0042", customer_name="Acme, Inc.", target_date=on_day)

    log_in(page, sales_user)
    page.goto("/calendar/")
    heading = page.get_by_test_id("calendar-month")
    assert heading.inner_text() == today.strftime("%B %Y")
    assert page.locator('td[aria-current="date"]').count() == 1

    page.get_by_role("link", name="Next ›").click()
    page.wait_for_url(f"**/calendar/?month={next_month:%Y-%m}")
    assert heading.inner_text() == next_month.strftime("%B %Y")
    order = page.locator(f'td[data-date="{on_day.isoformat()}"]').get_by_role(
        "link", name="SO-0042 · Acme, Inc."
    )
    assert order.is_visible()

    subscribe = page.get_by_test_id("subscribe-link")
    assert subscribe.get_attribute("href").startswith(f"{live_server.url}/calendar/feed/")
    with page.expect_download() as download_info:
        subscribe.click()
    download = download_info.value
    assert download.suggested_filename == "sales-orders.ics"
    feed = Calendar.from_ical(Path(download.path()).read_bytes())
    summaries = [str(event["SUMMARY"]) for event in feed.walk("VEVENT")]
    assert summaries == ["SO-0042 · Acme, Inc."]
