"""The calendar in a real browser: open it, move to next month, subscribe to the feed."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

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
    https = page.get_by_test_id("feed-url").input_value()
    assert https.startswith(f"{live_server.url}/calendar/feed/")
    assert subscribe.get_attribute("href") == "webcal://" + https.split("://", 1)[1]
    page.get_by_test_id("copy-feed-url").click()
    expect(page.get_by_test_id("copy-feed-url")).to_have_text("Copied")
    response = page.request.get(https)
    assert response.headers["content-disposition"] == 'attachment; filename="sales-orders.ics"'
    feed = Calendar.from_ical(response.body())
    summaries = [str(event["SUMMARY"]) for event in feed.walk("VEVENT")]
    assert summaries == ["SO-0042 · Acme, Inc."]


def test_on_a_phone_the_calendar_is_a_list_of_days(browser, live_server, sales_user):
    """Below 576 px the month grid gives way to its days with orders, one under the other."""
    on_day = timezone.localdate().replace(day=12)
    SalesOrderFactory(reference="SO-0077", customer_name="Bolt Bros", target_date=on_day)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        log_in(page, sales_user)
        page.goto("/calendar/")
        daylist = page.get_by_test_id("calendar-daylist")
        expect(daylist).to_be_visible()
        expect(page.locator("table.calendar-grid")).to_be_hidden()
        expect(daylist.locator(f'[data-date="{on_day.isoformat()}"]')).to_contain_text(
            "SO-0077 · Bolt Bros"
        )
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
