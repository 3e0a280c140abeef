"""Links to records' pages built once per URL name: the same strings reverse() gives, under a
script prefix and another URL configuration too, and reverse()'s own answer for anything
that is not a plain key."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from core.links import child_url_maker, url_by_pk

DETAIL_PAGES = [
    "salesorders:detail",
    "customers:customer-detail",
    "inventory:part-detail",
    "inventory:stockitem-detail",
    "shipping:shipment-detail",
    "invoicing:invoice-detail",
    "quotes:detail",
]


@pytest.mark.parametrize("name", DETAIL_PAGES)
def test_every_detail_page_link_is_what_reverse_gives(name):
    for pk in (0, 7, 12345, 10**12):
        assert url_by_pk(name, pk) == reverse(name, args=[pk])


def test_a_script_prefix_is_part_of_the_link():
    url_by_pk("salesorders:detail", 5)  # kept without a prefix
    set_script_prefix("/erp/")
    try:
        assert url_by_pk("salesorders:detail", 5) == "/erp/orders/5/"
        assert url_by_pk("salesorders:detail", 5) == reverse("salesorders:detail", args=[5])
    finally:
        clear_script_prefix()
    assert url_by_pk("salesorders:detail", 5) == "/orders/5/"


def test_another_url_configuration_gives_its_own_links():
    before = url_by_pk("salesorders:detail", 5)
    with override_settings(ROOT_URLCONF="tests.core.urls_elsewhere"):
        assert url_by_pk("salesorders:detail", 5) == "/elsewhere/orders/5/"
    assert url_by_pk("salesorders:detail", 5) == before


def test_what_is_not_a_plain_key_goes_through_reverse():
    assert url_by_pk("salesorders:detail", "12") == "/orders/12/"
    with pytest.raises(NoReverseMatch):
        url_by_pk("salesorders:detail", -1)
    with pytest.raises(NoReverseMatch):
        url_by_pk("salesorders:detail", "SO-0001")
    with pytest.raises(NoReverseMatch):
        url_by_pk("no-such-page", 1)


def test_a_childs_link_is_what_reverse_gives():
    remove = child_url_maker("shipping:allocation-delete", 12, 345)
    for pk in (0, 7, 10**12):
        assert remove(pk) == reverse("shipping:allocation-delete", args=[12, 345, pk])
