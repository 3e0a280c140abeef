"""Orders in other currencies and abroad: frozen rates, price lists, conversion, tax by
destination, prices including tax, the order discount and totals that never go negative."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounting.exceptions import MissingRateError
from accounting.models import ExchangeRate, RateSource
from core.currency import REVERSE_CHARGE_NOTE, TaxTreatment, in_base
from inventory.models import PriceList
from salesorders import services
from salesorders.exceptions import LineError, OrderStateError
from salesorders.models import SalesOrder, SalesOrderLine
from tests.factories import (
    CustomerFactory,
    ExchangeRateFactory,
    PartFactory,
    PriceBreakFactory,
    PriceListFactory,
    PriceListPriceFactory,
    TaxRateFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def vat(db):
    return TaxRateFactory(name="VAT 19%", percent=Decimal("19"))


@pytest.fixture
def motor(vat):
    part = PartFactory(
        sku="MTR-1", name="Motor", list_price=Decimal("189.0000"), default_tax_rate=vat
    )
    PriceBreakFactory(part=part, min_quantity=Decimal("5"), unit_price=Decimal("176.0000"))
    return part


@pytest.fixture
def gbp(db):
    return ExchangeRateFactory(currency="GBP", rate=Decimal("1.15"))


@pytest.fixture
def uk_customer(db):
    return CustomerFactory(
        name="Thames Ltd", currency="GBP", country="GB", tax_treatment=TaxTreatment.EXPORT
    )


def test_a_gbp_order_prices_eur_list_prices_at_its_frozen_rate(clerk, motor, gbp, uk_customer):
    order = services.salesorder_create(customer=uk_customer, user=clerk)
    assert (order.currency_rate, order.currency_rate_source) == (Decimal("1.15"), RateSource.ECB)
    line = services.salesorder_line_add(order=order, part=motor, quantity=5, user=clerk)
    # 176 EUR / 1.15 = 153.04347... -> 153.0435 GBP; x 5 = 765.2175 -> 765.22
    assert line.unit_price == Decimal("153.0435")
    assert line.price_source == SalesOrderLine.PriceSource.CONVERSION
    assert line.price_source_label == "Price break: min qty 5, converted from EUR"
    assert (line.subtotal, line.tax_amount, line.total) == (
        Decimal("765.22"),
        Decimal("0.00"),
        Decimal("765.22"),
    )
    assert line.tax_name == "Export 0%"
    # A later rate does not move the order: it was frozen at its order date.
    ExchangeRate.objects.filter(pk=gbp.pk).update(rate=Decimal("1.30"))
    services.salesorder_line_update(line=line, quantity=6, user=clerk)
    order.refresh_from_db()
    assert order.total == Decimal("918.26")  # 6 x 153.0435 = 918.261
    assert order.base_total == Decimal("1056.00")  # 918.26 x 1.15 = 1055.999


def test_stored_base_totals_equal_the_lines_at_the_orders_rate(clerk, motor, gbp, uk_customer):
    order = services.salesorder_create(customer=uk_customer, user=clerk)
    for n in range(3):
        services.salesorder_line_add(
            order=order, part=PartFactory(list_price=Decimal(f"1{n}.3300")), quantity=7, user=clerk
        )
    services.salesorder_extra_line_add(
        order=order, description="Freight", unit_price=25, user=clerk
    )
    order.refresh_from_db()
    lines = list(order.lines.all()) + list(order.extra_lines.all())
    assert order.subtotal == sum(line.subtotal for line in lines)
    assert order.total == sum(line.total for line in lines)
    assert order.base_subtotal == in_base(order.subtotal, Decimal("1.15"))
    assert order.base_tax_total == in_base(order.tax_total, Decimal("1.15"))
    assert order.base_total == order.base_subtotal + order.base_tax_total


def test_the_customers_price_list_comes_before_the_currency_list(clerk, motor, gbp, uk_customer):
    currency_list = PriceListFactory(currency="GBP", name="UK prices")
    PriceListPriceFactory(price_list=currency_list, part=motor, unit_price=Decimal("160.0000"))
    PriceListPriceFactory(
        price_list=currency_list, part=motor, min_quantity=10, unit_price=Decimal("150.0000")
    )
    other = CustomerFactory(name="Other Ltd", currency="GBP", country="GB", tax_treatment="export")
    own = PriceListFactory(currency="GBP", name="Thames contract", customer=uk_customer)
    PriceListPriceFactory(price_list=own, part=motor, unit_price=Decimal("140.0000"))
    mine = services.salesorder_create(customer=uk_customer, user=clerk)
    theirs = services.salesorder_create(customer=other, user=clerk)
    line = services.salesorder_line_add(order=mine, part=motor, quantity=10, user=clerk)
    assert (line.unit_price, line.price_source_label) == (
        Decimal("140.0000"),
        "Price list Thames contract",
    )
    line = services.salesorder_line_add(order=theirs, part=motor, quantity=10, user=clerk)
    assert (line.unit_price, line.price_source) == (Decimal("150.0000"), "price_list")
    assert line.price_source_label == "Price list UK prices: min qty 10"


def test_a_price_list_in_a_currency_that_is_not_iso_4217_is_refused():
    price_list = PriceList(name="Bad", currency="XXY")
    with pytest.raises(Exception, match="not an ISO 4217 currency code"):
        price_list.full_clean()


def test_a_missing_rate_refuses_the_order_naming_currency_and_date(clerk, uk_customer):
    with pytest.raises(MissingRateError, match=f"GBP to EUR for {TODAY():%Y-%m-%d}"):
        services.salesorder_create(customer=uk_customer, user=clerk)
    assert not SalesOrder.objects.exists()


def test_a_reverse_charge_eu_customer_is_charged_0_percent_with_the_legal_note(clerk, motor):
    customer = CustomerFactory(
        name="Dupont SARL",
        country="FR",
        tax_number="FR123456789",
        tax_treatment=TaxTreatment.REVERSE_CHARGE,
    )
    order = services.salesorder_create(customer=customer, user=clerk)
    line = services.salesorder_line_add(order=order, part=motor, quantity=2, user=clerk)
    assert (line.tax_name, line.tax_percent, line.tax_amount) == (
        "Reverse charge 0%",
        Decimal("0"),
        Decimal("0.00"),
    )
    assert line.tax_note == REVERSE_CHARGE_NOTE
    order.refresh_from_db()
    assert (order.subtotal, order.tax_total, order.total) == (
        Decimal("378.00"),
        Decimal("0.00"),
        Decimal("378.00"),
    )
    assert order.customer_tax_number == "FR123456789"


def test_an_export_customer_pays_no_vat_a_domestic_one_does(clerk, motor):
    export = CustomerFactory(name="Lakeside Inc", country="US", tax_treatment="export")
    home = CustomerFactory(name="Harbour GmbH", country="DE")
    abroad = services.salesorder_create(customer=export, user=clerk)
    domestic = services.salesorder_create(customer=home, user=clerk)
    line = services.salesorder_line_add(order=abroad, part=motor, quantity=1, user=clerk)
    assert (line.tax_name, line.tax_amount, line.total) == (
        "Export 0%",
        Decimal("0.00"),
        Decimal("189.00"),
    )
    line = services.salesorder_line_add(order=domestic, part=motor, quantity=1, user=clerk)
    assert (line.tax_name, line.tax_amount, line.total) == (
        "VAT 19%",
        Decimal("35.91"),
        Decimal("224.91"),
    )


def test_a_customer_tax_treatment_must_fit_its_country_and_vat_number():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="needs the customer's VAT number"):
        CustomerFactory.build(country="FR", tax_treatment="reverse_charge").full_clean()
    with pytest.raises(ValidationError, match="another EU country"):
        CustomerFactory.build(
            country="US", tax_treatment="reverse_charge", tax_number="X1"
        ).full_clean()
    with pytest.raises(ValidationError, match="Export is for customers outside the EU"):
        CustomerFactory.build(country="FR", tax_treatment="export").full_clean()


def test_prices_including_tax_compute_back_to_the_cent(clerk, vat):
    customer = CustomerFactory(name="Harbour GmbH", country="DE")
    order = services.salesorder_create(customer=customer, user=clerk, prices_include_tax=True)
    reduced = TaxRateFactory(name="VAT 7%", percent=Decimal("7"))
    listed = PartFactory(list_price=Decimal("10.0000"), default_tax_rate=vat)
    a = services.salesorder_line_add(order=order, part=listed, quantity=3, user=clerk)
    # The net list price 10.00 is entered gross: 11.90; 3 x 11.90 = 35.70 = 30.00 + 5.70.
    assert a.unit_price == Decimal("11.9000")
    assert (a.subtotal, a.tax_amount, a.total) == (
        Decimal("30.00"),
        Decimal("5.70"),
        Decimal("35.70"),
    )
    b = services.salesorder_line_add(
        order=order,
        part=PartFactory(default_tax_rate=vat),
        quantity=1,
        unit_price="9.99",
        user=clerk,
    )
    # 9.99 x 19/119 = 1.595 -> 1.60 tax; 8.39 net.
    assert (b.subtotal, b.tax_amount, b.total) == (
        Decimal("8.39"),
        Decimal("1.60"),
        Decimal("9.99"),
    )
    c = services.salesorder_line_add(
        order=order,
        part=PartFactory(default_tax_rate=reduced),
        quantity=7,
        unit_price="1.0700",
        user=clerk,
    )
    # 7 x 1.07 = 7.49 gross; 7.49 x 7/107 = 0.49; 7.00 net.
    assert (c.subtotal, c.tax_amount, c.total) == (
        Decimal("7.00"),
        Decimal("0.49"),
        Decimal("7.49"),
    )
    order.refresh_from_db()
    assert order.total == Decimal("53.18") == Decimal("35.70") + Decimal("9.99") + Decimal("7.49")
    assert order.subtotal + order.tax_total == order.total
    assert (order.subtotal, order.tax_total) == (Decimal("45.39"), Decimal("7.79"))


def _three_lines(order, clerk, vat):
    reduced = TaxRateFactory(name="VAT 7%", percent=Decimal("7"))
    zero = TaxRateFactory(name="Zero rated", percent=Decimal("0"))
    for price, rate in (("100", vat), ("50", reduced), ("30", zero)):
        services.salesorder_line_add(
            order=order,
            part=PartFactory(list_price=Decimal(price), default_tax_rate=rate),
            quantity=1,
            user=clerk,
        )


def test_an_order_discount_is_spread_over_three_lines_with_different_rates(clerk, vat):
    order = services.salesorder_create(customer=CustomerFactory(country="DE"), user=clerk)
    _three_lines(order, clerk, vat)
    services.salesorder_update(order=order, user=clerk, discount_amount="10")
    lines = list(order.lines.order_by("pk"))
    # 10.00 pro rata 100:50:30 = 5.5556 / 2.7778 / 1.6667: the two cents left go to the
    # largest remainders (.78 and .67), so the shares add up to 10.00.
    assert [line.order_discount for line in lines] == [
        Decimal("5.55"),
        Decimal("2.78"),
        Decimal("1.67"),
    ]
    # Tax on what is left: 94.45 x 19% = 17.95; 47.22 x 7% = 3.31; 28.33 x 0%.
    assert [line.tax_amount for line in lines] == [Decimal("17.95"), Decimal("3.31"), Decimal("0")]
    order.refresh_from_db()
    assert (order.lines_subtotal, order.discount_total, order.subtotal) == (
        Decimal("180.00"),
        Decimal("10.00"),
        Decimal("170.00"),
    )
    assert (order.tax_total, order.total) == (Decimal("21.26"), Decimal("191.26"))
    assert order.total == sum(line.total for line in lines)
    # As a percent, and back to none: the shares follow.
    services.salesorder_update(order=order, user=clerk, discount_amount="0", discount_percent="10")
    assert list(order.lines.order_by("pk").values_list("order_discount", flat=True)) == [
        Decimal("10.00"),
        Decimal("5.00"),
        Decimal("3.00"),
    ]
    services.salesorder_update(order=order, user=clerk, discount_percent="0")
    order.refresh_from_db()
    assert (order.discount_total, order.total) == (Decimal("0.00"), Decimal("202.50"))


def test_a_discount_or_rebate_larger_than_the_order_is_refused_and_nothing_written(clerk, vat):
    order = services.salesorder_create(customer=CustomerFactory(country="DE"), user=clerk)
    _three_lines(order, clerk, vat)
    order.refresh_from_db()
    before = (order.total, order.version)
    with pytest.raises(LineError, match="more than the lines come to"):
        services.salesorder_update(order=order, user=clerk, discount_amount="180.01")
    with pytest.raises(LineError, match="total cannot go below zero"):
        services.salesorder_extra_line_add(
            order=order, description="Rebate", unit_price="-250", user=clerk
        )
    order.refresh_from_db()
    assert (order.total, order.version, order.discount_amount) == (*before, Decimal("0.00"))
    assert not order.extra_lines.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrder.objects.filter(pk=order.pk).update(total=Decimal("-0.01"))


def test_extra_lines_are_taxed_at_the_standard_rate_through_the_customers_rules(clerk, vat):
    vat.standard = True
    vat.save()
    home = services.salesorder_create(customer=CustomerFactory(country="DE"), user=clerk)
    freight = services.salesorder_extra_line_add(
        order=home, description="Freight", unit_price="20", user=clerk
    )
    assert (freight.tax_name, freight.tax_amount) == ("VAT 19%", Decimal("3.80"))
    abroad = services.salesorder_create(
        customer=CustomerFactory(country="US", tax_treatment="export"), user=clerk
    )
    freight = services.salesorder_extra_line_add(
        order=abroad, description="Freight", unit_price="20", user=clerk
    )
    assert (freight.tax_name, freight.tax_amount) == ("Export 0%", Decimal("0.00"))


def test_a_manager_sets_the_rate_of_a_pending_order_and_converted_prices_follow(
    clerk, motor, gbp, uk_customer
):
    order = services.salesorder_create(customer=uk_customer, user=clerk)
    services.salesorder_line_add(order=order, part=motor, quantity=1, user=clerk)
    services.salesorder_rate_set(order=order, rate="1.2", user=clerk)
    order.refresh_from_db()
    line = order.lines.get()
    assert order.currency_rate_source == RateSource.MANUAL
    assert line.unit_price == Decimal("157.5000")  # 189 / 1.2
    assert (order.total, order.base_total) == (Decimal("157.50"), Decimal("189.00"))
    services.salesorder_issue(order=order, user=clerk)
    with pytest.raises(OrderStateError, match="only change while it is Pending"):
        services.salesorder_rate_set(order=order, rate="1.3", user=clerk)


def test_payment_terms_come_from_the_customer_and_give_the_due_date(clerk):
    customer = CustomerFactory(payment_terms_days=30, payment_terms_kind="end_of_month")
    order = services.salesorder_create(
        customer=customer, user=clerk, order_date=datetime.date(2026, 1, 15)
    )
    assert order.due_date == datetime.date(2026, 3, 2)  # 31 January + 30 days
    order = services.salesorder_update(order=order, user=clerk, payment_terms_kind="net")
    assert order.due_date == datetime.date(2026, 2, 14)


def test_the_order_list_sorts_and_filters_by_the_base_currency_total(
    sales_client, clerk, gbp, uk_customer, django_assert_max_num_queries
):
    from django.urls import reverse

    from tests.factories import SalesOrderFactory

    # 100 GBP is worth 115 EUR, more than the 110 EUR order; 3 000 NOK at 0.09 only 270.
    SalesOrderFactory(reference="SO-EUR", total=Decimal("110"))
    SalesOrderFactory(
        reference="SO-GBP", customer=uk_customer, total=Decimal("100"), base_total=Decimal("115")
    )
    SalesOrderFactory(
        reference="SO-NOK",
        customer=CustomerFactory(currency="NOK"),
        total=Decimal("3000"),
        base_total=Decimal("270"),
    )
    with django_assert_max_num_queries(8):
        page = sales_client.get(reverse("salesorders:list"), {"sort": "-total"})
    html = page.content.decode()
    assert html.index("SO-NOK") < html.index("SO-GBP") < html.index("SO-EUR")
    assert "115.00 EUR" in html and "100.00 GBP" in html
    page = sales_client.get(reverse("salesorders:list"), {"total_min": "112", "total_max": "200"})
    html = page.content.decode()
    assert "SO-GBP" in html and "SO-EUR" not in html and "SO-NOK" not in html


def test_only_a_manager_sets_an_orders_rate_on_its_page(
    client, sales_client, manager_user, clerk, gbp, uk_customer
):
    from django.urls import reverse

    order = services.salesorder_create(customer=uk_customer, user=clerk)
    url = reverse("salesorders:rate-set", args=[order.pk])
    assert (
        sales_client.post(url, {"version": order.version, "currency_rate": "1.2"}).status_code
        == 403
    )
    client.force_login(manager_user)
    detail = client.get(order.get_absolute_url()).content.decode()
    assert "Set Rate" in detail and "ECB reference rate" in detail
    response = client.post(url, {"version": order.version, "currency_rate": "0"}, follow=True)
    assert "above 0 and at most 1,000,000" in response.content.decode()
    client.post(url, {"version": order.version, "currency_rate": "1.2"})
    order.refresh_from_db()
    assert (order.currency_rate, order.currency_rate_source) == (Decimal("1.2"), "manual")


def test_a_pending_order_moved_to_another_customer_and_currency_is_priced_and_taxed_again(
    clerk, motor, gbp, uk_customer
):
    order = services.salesorder_create(customer=CustomerFactory(country="DE"), user=clerk)
    services.salesorder_line_add(order=order, part=motor, quantity=1, user=clerk)
    services.salesorder_update(order=order, user=clerk, customer=uk_customer)
    line = order.lines.get()
    # 189 EUR / 1.15 = 164.3478 GBP; the UK customer is exported to: no VAT.
    assert (line.unit_price, line.price_source) == (Decimal("164.3478"), "conversion")
    assert (line.tax_name, line.tax_amount) == ("Export 0%", Decimal("0.00"))
    order.refresh_from_db()
    assert (order.currency, order.total, order.base_total) == (
        "GBP",
        Decimal("164.35"),
        Decimal("189.00"),
    )
