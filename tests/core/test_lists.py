"""The capped paginator and the columns every list shares."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.columns import DateColumn, QuantityColumn, iso_date
from core.lists import PAGE_SIZES, CappedPaginator
from customers.models import Customer


@pytest.mark.parametrize(("asked", "given"), [(25, 25), (50, 50), (100, 100), (100000, 100)])
def test_a_page_holds_what_was_asked_up_to_100_rows(asked, given):
    paginator = CappedPaginator(range(1000), asked)
    assert paginator.per_page == given == min(asked, PAGE_SIZES[-1])
    assert len(paginator.page(1).object_list) == given


@pytest.mark.parametrize("asked", [0, -5])
def test_a_page_holds_at_least_one_row(asked):
    paginator = CappedPaginator(range(10), asked)
    assert paginator.per_page == 1
    assert paginator.num_pages == 10


def test_exported_dates_are_iso_and_datetimes_in_the_current_time_zone():
    assert iso_date(datetime.date(2025, 3, 7)) == "2025-03-07"
    moment = datetime.datetime(2025, 3, 7, 23, 30, tzinfo=datetime.UTC)
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert iso_date(moment) == "2025-03-08 00:30"
    column = DateColumn()
    assert column.render(datetime.date(2025, 1, 2)) == "02 Jan 2025"  # settings' display format
    assert column.value(datetime.date(2025, 1, 2)) == "2025-01-02"  # the CSV export


def test_quantity_column_shows_what_the_qty_filter_shows():
    column = QuantityColumn()
    assert column.render(Decimal("12.5000")) == "12.5"
    assert column.value(Decimal("3.0000")) == "3"
    assert column.attrs["td"]["class"] == "text-end"


@pytest.mark.django_db
def test_badge_column_shows_a_badge_on_the_page_and_the_label_in_the_export():
    from customers.tables import CustomerTable
    from tests.factories import CustomerFactory

    CustomerFactory(active=False)
    row = CustomerTable(Customer.objects.all()).rows[0]
    assert row.get_cell("active") == '<span class="badge text-bg-secondary">Inactive</span>'
    assert row.get_cell_value("active") == "Inactive"
