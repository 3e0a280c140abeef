import datetime

import pytest

from accounting import services
from accounting.exceptions import PeriodClosedError, PeriodError
from accounting.models import AccountingPeriod, AccountingPeriodEvent
from accounting.services import period_require_open
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 14)


def _period(status):
    return AccountingPeriod.objects.create(
        name="March 2026",
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 31),
        status=status,
    )


def test_a_day_outside_every_period_or_in_an_open_one_is_accepted():
    period_require_open(day=DAY, what="The order date")
    _period(AccountingPeriod.Status.OPEN)
    period_require_open(day=DAY, what="The order date")


@pytest.mark.parametrize("status", [AccountingPeriod.Status.CLOSED, AccountingPeriod.Status.LOCKED])
def test_a_day_in_a_closed_or_locked_period_is_refused_naming_the_period(status):
    _period(status)
    with pytest.raises(PeriodClosedError) as refusal:
        period_require_open(day=DAY, what="The order date", field="order_date")
    sentence = refusal.value.message_dict["order_date"][0]
    assert "March 2026" in sentence and "The order date" in sentence
    assert "such as today" in sentence


# --- period services -------------------------------------------------------------------------

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def clerk(db):
    return UserFactory(username="ada")


def _march(clerk, **status):
    period = services.period_create(name="March 2026", start=MARCH[0], end=MARCH[1], user=clerk)
    if status:
        AccountingPeriod.objects.filter(pk=period.pk).update(**status)
        period.refresh_from_db()
    return period


def test_period_create_makes_an_open_period_and_records_who():
    """A new period is Open and its history says who created it."""
    user = UserFactory(username="ada")
    period = services.period_create(name="March 2026", start=MARCH[0], end=MARCH[1], user=user)
    assert period.status == AccountingPeriod.Status.OPEN
    event = period.events.get()
    assert event.kind == AccountingPeriodEvent.Kind.CREATED and event.user == user


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2026, 3, 31), datetime.date(2026, 4, 30)),  # shares its last day
        (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)),  # shares its first day
        (datetime.date(2026, 3, 10), datetime.date(2026, 3, 12)),  # inside
        (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),  # around
    ],
)
def test_period_create_refuses_an_overlap_naming_the_other_period(clerk, start, end):
    _march(clerk)
    with pytest.raises(PeriodError) as refusal:
        services.period_create(name="Other", start=start, end=end, user=clerk)
    sentence = refusal.value.message_dict["start"][0]
    assert "overlaps March 2026 (2026-03-01 to 2026-03-31)" in sentence
    assert AccountingPeriod.objects.count() == 1
    assert AccountingPeriodEvent.objects.count() == 1


def test_period_create_accepts_the_next_day_after_a_period():
    user = UserFactory()
    _march(user)
    services.period_create(
        name="April 2026",
        start=datetime.date(2026, 4, 1),
        end=datetime.date(2026, 4, 30),
        user=user,
    )
    assert AccountingPeriod.objects.count() == 2


def test_period_create_refuses_an_end_before_the_start(clerk):
    with pytest.raises(PeriodError) as refusal:
        services.period_create(name="Back", start=MARCH[1], end=MARCH[0], user=clerk)
    assert refusal.value.message_dict["end"] == [
        "The period cannot end (2026-03-01) before it starts (2026-03-31)."
    ]
    assert not AccountingPeriod.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"), [("", "Give the period a name"), ("march 2026", "already exists")]
)
def test_period_create_refuses_no_name_or_a_name_in_use(clerk, name, message):
    _march(clerk)
    with pytest.raises(PeriodError, match=message):
        services.period_create(
            name=name, start=datetime.date(2027, 1, 1), end=datetime.date(2027, 1, 31), user=clerk
        )
    assert AccountingPeriod.objects.count() == 1


def test_close_reopen_and_lock_record_who_when_and_why(clerk):
    """Open -> Closed -> Open (with a reason) -> Closed -> Locked, each in the history."""
    period = _march(clerk)
    services.period_close(period=period, user=clerk)
    services.period_reopen(period=period, reason="Late credit note", user=clerk)
    services.period_close(period=period, user=clerk, reason="Done again")
    period = services.period_lock(period=period, user=clerk)
    assert period.status == AccountingPeriod.Status.LOCKED
    assert period.status_changed_by == clerk and period.status_changed_at is not None
    kinds = list(period.events.order_by("pk").values_list("kind", "reason"))
    assert kinds == [
        ("created", ""),
        ("closed", ""),
        ("reopened", "Late credit note"),
        ("closed", "Done again"),
        ("locked", ""),
    ]


def test_reopen_without_a_reason_is_refused_and_nothing_is_written(clerk):
    period = _march(clerk, status=AccountingPeriod.Status.CLOSED)
    with pytest.raises(PeriodError) as refusal:
        services.period_reopen(period=period, reason="  ", user=clerk)
    assert refusal.value.message_dict["reason"] == ["Say why March 2026 is reopened."]
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.CLOSED
    assert period.events.count() == 1


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("open", "lock", "March 2026 is open, so it cannot be locked; only closed periods can."),
        ("open", "reopen", "March 2026 is already open."),
        ("closed", "close", "March 2026 is already closed."),
        (
            "locked",
            "reopen",
            "March 2026 is locked, so it cannot be reopened; only closed periods can.",
        ),
        ("locked", "close", "March 2026 is locked, so it cannot be closed; only open periods can."),
        ("locked", "lock", "March 2026 is already locked."),
    ],
)
def test_a_move_the_status_does_not_allow_is_refused(clerk, status, action, message):
    period = _march(clerk, status=status)
    with pytest.raises(PeriodError) as refusal:
        services.period_transition(period=period, action=action, user=clerk, reason="why")
    assert str(refusal.value) == message
    period.refresh_from_db()
    assert period.status == status and period.events.count() == 1
