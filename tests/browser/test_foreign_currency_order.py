"""A GBP order for a UK customer, in a real browser: converted and price-list prices, export
tax, totals in GBP and in the base currency."""

from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import (
    CustomerFactory,
    ExchangeRateFactory,
    PartFactory,
    PriceBreakFactory,
    PriceListFactory,
    PriceListPriceFactory,
    TaxRateFactory,
)


def test_a_gbp_order_for_a_uk_customer_shows_its_prices_tax_and_totals(page, manager_user):
    vat = TaxRateFactory(name="VAT 19%", percent=Decimal("19"))
    motor = PartFactory(sku="MTR-1", name="Motor", list_price=Decimal("189"), default_tax_rate=vat)
    PriceBreakFactory(part=motor, min_quantity=Decimal("5"), unit_price=Decimal("176"))
    helmet = PartFactory(
        sku="HLM-1", name="Helmet", list_price=Decimal("12.9"), default_tax_rate=vat
    )
    uk_prices = PriceListFactory(name="UK prices", currency="GBP")
    PriceListPriceFactory(price_list=uk_prices, part=helmet, unit_price=Decimal("10.9"))
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.15"))
    customer = CustomerFactory(
        name="Thames Engineering Ltd", currency="GBP", country="GB", tax_treatment="export"
    )

    log_in(page, manager_user)
    page.goto("/orders/new/")
    page.get_by_role("combobox", name="Customer").fill(customer.code)
    page.get_by_role("button", name="Create Sales Order").click()
    expect(page.get_by_test_id("rate")).to_contain_text("1 GBP = 1.15 EUR")

    page.get_by_role("link", name="Add Line Item").click()
    page.get_by_role("combobox", name="Part").fill(motor.sku)
    page.locator("#id_quantity").fill("5")
    page.get_by_role("button", name="Add Line Item").click()
    motor_row = page.get_by_test_id("line-MTR-1")
    # 176 EUR at 1.15 EUR per GBP: 153.0435 GBP; 5 of them 765.22; exported: no VAT.
    expect(motor_row).to_contain_text("153.0435 GBP")
    expect(motor_row).to_contain_text("Price break: min qty 5, converted from EUR")
    expect(motor_row.get_by_test_id("tax-charged")).to_have_text("Export 0%")
    expect(motor_row.get_by_test_id("amount-total")).to_have_text("765.22 GBP")

    page.get_by_role("link", name="Add Line Item").click()
    page.get_by_role("combobox", name="Part").fill(helmet.sku)
    page.locator("#id_quantity").fill("2")
    page.get_by_role("button", name="Add Line Item").click()
    helmet_row = page.get_by_test_id("line-HLM-1")
    expect(helmet_row).to_contain_text("10.90 GBP")
    expect(helmet_row).to_contain_text("Price list UK prices")

    expect(page.get_by_test_id("subtotal")).to_have_text("787.02 GBP")
    expect(page.get_by_test_id("tax-total")).to_have_text("0.00 GBP")
    expect(page.get_by_test_id("total")).to_have_text("787.02 GBP")
    # 787.02 GBP x 1.15 = 905.073 -> 905.07 EUR
    expect(page.get_by_test_id("base-total")).to_have_text("905.07 EUR")

    page.goto("/orders/?sort=-total")
    row = page.locator("#order-table tbody tr").first
    expect(row).to_contain_text("905.07 EUR")
    expect(row).to_contain_text("787.02 GBP")
