"""Quantities, amounts and badges as every page shows them (core.numbers, core_tags)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.badges import Badges, badge
from core.numbers import format_amount, format_quantity, plain


def render(source: str, **context) -> str:
    return Template("{% load core_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("10.0000"), "10"),
        (Decimal("2.5000"), "2.5"),
        (Decimal("0.0001"), "0.0001"),
        (Decimal("0E-4"), "0"),
        (Decimal("1E+3"), "1000"),
        (None, ""),
        ("", ""),
    ],
)
def test_quantity_shows_without_trailing_zeros_or_exponent(value, shown):
    assert format_quantity(value) == shown
    assert render("{{ value|qty }}", value=value) == shown


def test_plain_quantity_for_a_number_input_never_has_an_exponent():
    """normalize() alone gives 1E+1, which a number input shows as such."""
    assert str(plain(Decimal("10.0000"))) == "10"
    assert str(plain(Decimal("2.5000"))) == "2.5"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.5"), "1,234.50"),
        (Decimal("0"), "0.00"),
        (Decimal("-12.345"), "-12.35"),
        (Decimal("999999999999.99"), "999,999,999,999.99"),
        (None, ""),
    ],
)
def test_amount_shows_two_decimals_and_thousands_separators(value, shown):
    assert format_amount(value) == shown
    assert render("{{ value|amount }}", value=value) == shown


def test_badge_tag_names_the_kind_and_value_for_styles_and_tests():
    html = render('{% badge "status" value label %}', value="on_hold", label="On Hold")
    assert html == '<span class="badge badge-status-on_hold" data-testid="status">On Hold</span>'


def test_badge_escapes_its_label():
    assert badge("<b>", "text-bg-info") == '<span class="badge text-bg-info">&lt;b&gt;</span>'
    html = render('{% badge "status" "x" label %}', label="<script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_badges_of_a_kind_give_each_value_its_label_and_class():
    badges = Badges(
        labels={True: "Active", False: "Inactive"},
        css={True: "text-bg-success", False: "text-bg-secondary"},
    )
    assert badges.render(False) == '<span class="badge text-bg-secondary">Inactive</span>'
    prefixed = Badges(labels={"issued": "Issued"}, css="badge-status-", testid="status")
    assert prefixed.render("issued") == (
        '<span class="badge badge-status-issued" data-testid="status">Issued</span>'
    )


def test_badges_show_the_default_for_an_empty_value():
    badges = Badges(
        labels={"not_shipped": "Not shipped"}, css="badge-delivery-", default="not_shipped"
    )
    assert (
        badges.render(None) == '<span class="badge badge-delivery-not_shipped">Not shipped</span>'
    )
