"""`accountingPeriods`: read only, filterable by status, an ETag from the stored version."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounting import services
from accounting.models import AccountingPeriod
from tests.api.conftest import BASE

pytestmark = pytest.mark.django_db


def month(year: int, number: int) -> AccountingPeriod:
    start = datetime.date(year, number, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return services.period_create(name=f"{start:%B %Y}", start=start, end=end, user=None)


def test_periods_are_listed_newest_first_with_their_status(sales_api):
    march, april = month(2026, 3), month(2026, 4)
    services.period_close(period=march, user=None)
    body = sales_api.get(f"{BASE}/accountingPeriods").json()
    assert [p["displayName"] for p in body["value"]] == ["April 2026", "March 2026"]
    first = body["value"][1]
    assert first["startDate"] == "2026-03-01" and first["endDate"] == "2026-03-31"
    assert first["status"] == "Closed" and first["statusChangedDateTime"]
    closed = sales_api.get(f"{BASE}/accountingPeriods", {"$filter": "status eq 'Closed'"}).json()
    assert [p["id"] for p in closed["value"]] == [march.pk]
    assert april.pk in [p["id"] for p in body["value"]]


def test_a_period_has_an_etag_that_changes_when_it_is_closed(sales_api):
    march = month(2026, 3)
    response = sales_api.get(f"{BASE}/accountingPeriods({march.pk})")
    etag = response["ETag"]
    assert response.status_code == 200 and response.json()["status"] == "Open"
    assert (
        sales_api.get(f"{BASE}/accountingPeriods/{march.pk}", HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )
    services.period_close(period=march, user=None)
    response = sales_api.get(f"{BASE}/accountingPeriods/{march.pk}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_periods_cannot_be_written_through_the_api(api):
    march = month(2026, 3)
    body = {"displayName": "X", "startDate": "2027-01-01", "endDate": "2027-01-31"}
    assert api.post(f"{BASE}/accountingPeriods", body, format="json").status_code == 405
    assert (
        api.patch(
            f"{BASE}/accountingPeriods/{march.pk}", {"status": "Closed"}, format="json"
        ).status_code
        == 405
    )
    assert api.delete(f"{BASE}/accountingPeriods/{march.pk}").status_code == 405
    march.refresh_from_db()
    assert march.status == AccountingPeriod.Status.OPEN
    assert AccountingPeriod.objects.count() == 1


def test_warehouse_may_not_read_the_periods(warehouse_api):
    assert warehouse_api.get(f"{BASE}/accountingPeriods").status_code == 403


def test_the_period_list_costs_the_same_for_3_and_30_periods(api):
    for number in range(1, 4):
        month(2020, number)
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"{BASE}/accountingPeriods").status_code == 200
    for year in (2021, 2022, 2023):
        for number in range(1, 10):
            month(year, number)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"{BASE}/accountingPeriods").json()["value"]) == 30
    assert len(many) == len(few) <= 8
