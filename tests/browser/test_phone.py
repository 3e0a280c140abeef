"""The pages staff use on the floor fit a phone's screen: tables scroll inside themselves,
the page itself never needs sideways scrolling."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from salesorders.models import SalesOrder
from shipping.models import Shipment
from tests.browser.conftest import log_in

PHONE = {"width": 390, "height": 800}


def test_every_main_page_fits_a_phone_screen(browser, live_server, settings):
    settings.DEBUG = True  # demo_data runs only in development
    call_command("demo_data", stdout=io.StringIO())
    order = (
        SalesOrder.objects.filter(status="issued", shipments__status="shipped")
        .exclude(extra_lines=None)
        .first()
        or SalesOrder.objects.filter(status="issued").first()
    )
    shipment = Shipment.objects.filter(order=order).first() or Shipment.objects.first()
    paths = [
        "/",
        "/orders/",
        order.get_absolute_url(),
        shipment.get_absolute_url(),
        "/customers/",
        order.customer.get_absolute_url(),
        "/inventory/parts/",
        order.lines.first().part.get_absolute_url(),
        "/inventory/stock/",
        "/shipping/backorders/",
        "/shipping/shipments/",
        "/calendar/",
    ]
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, get_user_model().objects.get(username="demo"), password="demo")
        too_wide = {}
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[path] = width
        assert too_wide == {}
    finally:
        context.close()
