"""A warehouse-and-sales person sets up a customer and a part, receives stock, sees it available."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from customers.models import Customer
from inventory.models import Part
from tests.browser.conftest import log_in
from tests.factories import StockLocationFactory, TaxRateFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clerk(db):
    from django.apps import apps

    from config.roles import sync_role_groups

    sync_role_groups(apps)  # transactional tests start with empty tables
    user = UserFactory(username="clerk")
    user.groups.add(*Group.objects.filter(name__in=["Sales", "Warehouse"]))
    return user


def test_customer_part_price_breaks_and_received_stock(page, clerk):
    """Create a customer with an address, a part with two price breaks, receive stock."""
    TaxRateFactory(name="VAT 19%", percent=Decimal("19.000"))
    StockLocationFactory(name="Main warehouse")
    log_in(page, clerk)

    page.goto("/customers/")
    page.get_by_role("link", name="New Customer").click()
    page.get_by_label("Name").fill("Harbour Tools GmbH")
    page.get_by_label("Email").fill("orders@harbour.example")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_role("button", name="Save Customer").click()
    page.get_by_text("Customer C-00001 Harbour Tools GmbH created.").wait_for()

    page.get_by_role("link", name="Add Address").click()
    page.get_by_label("Address line 1").fill("1 Quay Street")
    page.get_by_label("City").fill("Hamburg")
    page.get_by_label("Country").select_option("Germany")
    page.get_by_label("Default shipping address").check()
    page.get_by_role("button", name="Save Address").click()
    address = page.get_by_test_id("address")
    address.get_by_text("1 Quay Street").wait_for()
    assert "Default shipping" in address.inner_text()
    assert Customer.objects.get().addresses.get().city == "Hamburg"

    page.goto("/inventory/parts/")
    page.get_by_role("link", name="New Part").click()
    page.get_by_label("SKU").fill("BOLT-M8")
    page.get_by_label("Name").fill("Hex bolt M8")
    page.get_by_label("List price").fill("0.50")
    page.get_by_label("Default tax rate").select_option(label="VAT 19%")
    page.locator("#id_breaks-0-min_quantity").fill("10")
    page.locator("#id_breaks-0-unit_price").fill("0.45")
    page.locator("#id_breaks-1-min_quantity").fill("100")
    page.locator("#id_breaks-1-unit_price").fill("0.40")
    page.get_by_role("button", name="Save Part").click()
    page.get_by_text("Part BOLT-M8 Hex bolt M8 saved.").wait_for()
    assert page.get_by_test_id("price-break").count() == 2
    assert page.get_by_test_id("available").inner_text().strip() == "0 pcs"

    page.get_by_role("link", name="Receive Stock").click()
    page.get_by_label("Location").select_option(label="Main warehouse")
    page.get_by_label("Quantity").fill("250")
    page.get_by_role("button", name="Receive Stock").click()
    page.get_by_text("Received 250 pcs of BOLT-M8 Hex bolt M8").wait_for()

    page.goto(Part.objects.get().get_absolute_url())
    assert page.get_by_test_id("available").inner_text().strip() == "250 pcs"
    page.goto("/inventory/parts/?q=BOLT")
    row = page.get_by_role("row").filter(has_text="BOLT-M8")
    assert "250" in row.inner_text()
