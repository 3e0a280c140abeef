"""One way to show money, unit prices, quantities and dates on every page (core.numbers, the
core_tags filters and the core.columns columns), and ISO date inputs (core.forms)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone

from core.columns import DateColumn, DateTimeColumn, MoneyColumn, QuantityColumn, UnitPriceColumn
from core.numbers import format_date, format_money, format_unit_price


def render(source: str, **context) -> str:
    return Template("{% load core_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1581.56"), "EUR", "1,581.56 EUR"),
        (Decimal("1581.5"), "GBP", "1,581.50 GBP"),
        (Decimal("0.125"), "EUR", "0.13 EUR"),  # half-up, like every amount
        (Decimal("158156"), "JPY", "158,156 JPY"),  # no minor unit
        (Decimal("158155.50"), "JPY", "158,156 JPY"),
        (Decimal("12.5"), "KWD", "12.500 KWD"),  # three
        (Decimal("-1234.5"), "EUR", "-1,234.50 EUR"),
        (Decimal("-0.004"), "EUR", "0.00 EUR"),  # no "-0.00"
        (Decimal("1234.5"), None, "1,234.50"),  # no currency: the number alone
        (None, "EUR", ""),
        ("", "EUR", ""),
    ],
)
def test_money_has_the_currencys_digits_thousands_separators_and_its_code(value, currency, shown):
    assert format_money(value, currency) == shown
    assert render("{{ value|amount:currency }}", value=value, currency=currency) == shown


@override_settings(MONEY_DISPLAY_FORMAT="{symbol}{amount}")
def test_money_can_be_shown_with_the_symbol_in_front():
    assert render("{{ v|amount:'EUR' }}", v=Decimal("1581.56")) == "€1,581.56"
    assert render("{{ v|amount:'JPY' }}", v=Decimal("1581")) == "¥1,581"
    assert render("{{ v|amount:'EUR' }}", v=Decimal("-3")) == "-€3.00"
    assert format_money(Decimal("5"), "CHF") == "CHF\N{NO-BREAK SPACE}5.00"  # no symbol: code


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("11.2000"), "EUR", "11.20 EUR"),  # zeros beyond the currency's digits go
        (Decimal("11.2345"), "EUR", "11.2345 EUR"),  # up to 4 decimals stay
        (Decimal("11.2340"), "EUR", "11.234 EUR"),
        (Decimal("11.0000"), "EUR", "11.00 EUR"),
        (Decimal("1234.5000"), "EUR", "1,234.50 EUR"),
        (Decimal("1100.0000"), "JPY", "1,100 JPY"),
        (Decimal("1100.5000"), "JPY", "1,100.5 JPY"),
        (Decimal("-2.5000"), "EUR", "-2.50 EUR"),
        (Decimal("11.2000"), None, "11.20"),
        (None, "EUR", ""),
    ],
)
def test_unit_prices_keep_up_to_four_decimals_trimmed_to_the_currencys(value, currency, shown):
    assert format_unit_price(value, currency) == shown
    assert render("{{ value|unit_price:currency }}", value=value, currency=currency) == shown


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (Decimal("40.0000"), "pcs", "40"),
        (Decimal("1.5000"), "kg", "1.500"),
        (Decimal("3.0000"), "m", "3.00"),
        (Decimal("2.5000"), "", "2.5"),  # no unit: as people write it
        (Decimal("2.5000"), "crates", "2.5"),  # a unit outside the table
        (None, "kg", ""),
    ],
)
def test_quantities_have_their_units_decimals(value, unit, shown):
    assert render("{{ value|qty:unit }}", value=value, unit=unit) == shown


def test_dates_and_times_follow_the_display_settings():
    day = datetime.date(2027, 1, 10)
    moment = datetime.datetime(2027, 1, 10, 23, 30, tzinfo=datetime.UTC)
    assert render("{{ d|show_date }}", d=day) == "10 Jan 2027"
    assert render("{{ d|show_date }}", d=None) == ""
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert render("{{ m|show_datetime }}", m=moment) == "11 Jan 2027 00:30"
        assert render("{{ m|show_date }}", m=moment) == "11 Jan 2027"  # the local day
    with override_settings(DATE_DISPLAY_FORMAT="Y-m-d", DATETIME_DISPLAY_FORMAT="Y-m-d H:i"):
        assert format_date(day) == "2027-01-10"
        assert render("{{ m|show_datetime }}", m=moment) == "2027-01-10 23:30"


def test_columns_show_what_the_filters_show_and_export_plain_values():
    order = {"currency": "JPY", "unit": "kg"}
    money = MoneyColumn()
    assert money.render(Decimal("158156.00"), order) == "158,156 JPY"
    assert money.value(Decimal("158156.00"), order) == "158156.00"
    base = MoneyColumn(currency="EUR", fixed=True)
    assert base.render(Decimal("1581.56"), order) == "1,581.56 EUR"
    price = UnitPriceColumn(currency="EUR", fixed=True)
    assert price.render(Decimal("11.2000"), order) == "11.20 EUR"
    assert price.value(Decimal("11.2000"), order) == "11.2000"
    quantity = QuantityColumn(unit="unit")
    assert quantity.render(Decimal("1.5000"), order) == "1.500"
    assert quantity.value(Decimal("1.5000"), order) == "1.5"
    day = DateColumn()
    assert day.render(datetime.date(2027, 1, 10)) == "10 Jan 2027"
    assert day.value(datetime.date(2027, 1, 10)) == "2027-01-10"
    moment = datetime.datetime(2027, 1, 10, 9, 5, tzinfo=datetime.UTC)
    assert DateTimeColumn().render(moment) == "10 Jan 2027 09:05"
    assert DateTimeColumn().value(moment) == "2027-01-10 09:05"


def test_every_date_field_is_a_date_picker_with_an_iso_value_and_accepts_iso():
    class Form(forms.Form):
        when = forms.DateField()

    html = str(Form(initial={"when": datetime.date(2027, 1, 10)})["when"])
    assert 'type="date"' in html and 'value="2027-01-10"' in html
    form = Form(data={"when": "2027-01-10"})
    assert form.is_valid() and form.cleaned_data["when"] == datetime.date(2027, 1, 10)
