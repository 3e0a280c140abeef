"""The Accounts pages for periods and the periods' admin: permissions, GET never changes
anything, refusals at the field or at the top, every move through the services."""

import datetime

import pytest
from django.urls import reverse

from accounting import services
from accounting.models import AccountingPeriod
from conftest import _user_in

pytestmark = pytest.mark.django_db

MARCH = {"name": "March 2026", "start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def accountant(db):
    return _user_in("Accounts", "alice")


@pytest.fixture
def accounts_client(client, accountant):
    client.force_login(accountant)
    return client


@pytest.fixture
def period(accountant):
    return services.period_create(
        name="March 2026",
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 31),
        user=accountant,
    )


def _urls(period):
    urls = [reverse("accounting:period-list"), reverse("accounting:period-create")]
    for action in ("close", "reopen", "lock"):
        urls.append(reverse("accounting:period-confirm", args=[period.pk, action]))
        urls.append(reverse(f"accounting:period-{action}", args=[period.pk]))
    return urls


def test_get_on_every_period_url_shows_a_page_or_405_and_changes_nothing(accounts_client, period):
    for url in _urls(period):
        response = accounts_client.get(url)
        assert response.status_code in (200, 302, 405), (url, response.status_code)
        if url.endswith(("/close/", "/reopen/", "/lock/")) and "/confirm/" not in url:
            assert response.status_code == 405, url
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.OPEN and period.events.count() == 1


@pytest.mark.parametrize("who", ["user", "warehouse_user"])
def test_people_outside_accounts_and_managers_cannot_see_or_change_periods(
    client, period, who, request
):
    client.force_login(request.getfixturevalue(who))
    for url in _urls(period):
        assert client.get(url).status_code in (403, 405), url
    assert client.post(reverse("accounting:period-close", args=[period.pk])).status_code == 403
    assert client.post(reverse("accounting:period-create"), MARCH).status_code == 403
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.OPEN


@pytest.mark.parametrize("group", ["Credit Control", "Sales"])
def test_credit_control_and_sales_see_the_periods_without_the_buttons(client, period, group):
    client.force_login(_user_in(group, "carl"))
    html = client.get(reverse("accounting:period-list")).content.decode()
    assert "March 2026" in html and "Close Period" not in html and "New Period" not in html
    assert client.post(reverse("accounting:period-close", args=[period.pk])).status_code == 403


def test_accounts_creates_a_period_and_sees_overlaps_and_bad_dates_at_the_field(
    accounts_client,
):
    response = accounts_client.post(reverse("accounting:period-create"), MARCH)
    assert response.status_code == 302
    assert AccountingPeriod.objects.get().name == "March 2026"
    response = accounts_client.post(
        reverse("accounting:period-create"),
        {"name": "Q1", "start": "2026-01-01", "end": "2026-03-31"},
    )
    assert "overlaps March 2026" in response.context["form"].errors["start"][0]
    response = accounts_client.post(
        reverse("accounting:period-create"),
        {"name": "April", "start": "2026-04-30", "end": "2026-04-01"},
    )
    assert "cannot end" in response.context["form"].errors["end"][0]
    assert AccountingPeriod.objects.count() == 1


def test_the_list_offers_the_moves_open_to_each_period(accounts_client, period):
    page = accounts_client.get(reverse("accounting:period-list")).content.decode()
    assert "Close Period" in page and "Lock Period" not in page and "Reopen Period" not in page
    services.period_close(period=period, user=None)
    page = accounts_client.get(reverse("accounting:period-list")).content.decode()
    assert "Reopen Period" in page and "Lock Period" in page and "Close Period…" not in page


def test_close_reopen_with_a_reason_and_lock_through_the_pages(accounts_client, period):
    url = reverse("accounting:period-confirm", args=[period.pk, "close"])
    assert "No order, invoice or payment" in accounts_client.get(url).content.decode()
    accounts_client.post(reverse("accounting:period-close", args=[period.pk]))
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.CLOSED

    response = accounts_client.post(
        reverse("accounting:period-reopen", args=[period.pk]), {"reason": ""}, follow=True
    )
    assert "Say why March 2026 is reopened." in response.content.decode()
    accounts_client.post(
        reverse("accounting:period-reopen", args=[period.pk]), {"reason": "Late invoice"}
    )
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.OPEN
    assert period.events.filter(kind="reopened", reason="Late invoice").exists()

    response = accounts_client.post(
        reverse("accounting:period-lock", args=[period.pk]), follow=True
    )
    assert "only closed periods can" in response.content.decode()
    accounts_client.post(reverse("accounting:period-close", args=[period.pk]))
    confirm = accounts_client.get(reverse("accounting:period-confirm", args=[period.pk, "lock"]))
    assert "cannot be undone" in confirm.content.decode()
    accounts_client.post(reverse("accounting:period-lock", args=[period.pk]))
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.LOCKED


def test_a_confirmation_step_for_a_move_not_allowed_goes_back_with_the_reason(
    accounts_client, period
):
    response = accounts_client.get(
        reverse("accounting:period-confirm", args=[period.pk, "lock"]), follow=True
    )
    assert "only closed periods can" in response.content.decode()
    missing = reverse("accounting:period-confirm", args=[period.pk, "delete"])
    assert accounts_client.get(missing).status_code == 404


def test_the_period_list_costs_the_same_queries_for_many_periods(
    accounts_client, accountant, django_assert_max_num_queries
):
    for month in range(1, 13):
        start = datetime.date(2025, month, 1)
        services.period_create(
            name=f"{start:%B %Y}", start=start, end=start + datetime.timedelta(days=27), user=None
        )
        services.period_close(period=AccountingPeriod.objects.get(start=start), user=accountant)
    with django_assert_max_num_queries(8):
        accounts_client.get(reverse("accounting:period-list"))


# --- admin ---------------------------------------------------------------------------------


def test_admin_adds_a_period_through_the_service_and_refuses_an_overlap(manager_client, period):
    add = reverse("admin:accounting_accountingperiod_add")
    data = {"name": "Spring", "start": "2026-03-15", "end": "2026-04-15"}
    data.update({"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    response = manager_client.post(add, data, follow=True)
    assert "Not saved:" in response.content.decode() and "overlaps March 2026" in (
        response.content.decode()
    )
    data.update(start="2026-04-01", end="2026-04-30")
    manager_client.post(add, data)
    spring = AccountingPeriod.objects.get(name="Spring")
    assert spring.events.get().kind == "created"


def test_admin_shows_status_read_only_and_closes_through_the_service(manager_client, period):
    change = reverse("admin:accounting_accountingperiod_change", args=[period.pk])
    html = manager_client.get(change).content.decode()
    assert 'name="status"' not in html and 'name="start"' not in html
    changelist = reverse("admin:accounting_accountingperiod_changelist")
    manager_client.post(changelist, {"action": "close_periods", "_selected_action": [period.pk]})
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.CLOSED
    assert period.events.filter(kind="closed").exists()
    response = manager_client.post(
        changelist, {"action": "lock_periods", "_selected_action": [period.pk]}
    )
    assert response["Location"] == reverse("accounting:period-confirm", args=[period.pk, "lock"])
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.CLOSED
