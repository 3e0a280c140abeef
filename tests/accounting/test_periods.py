import datetime

import pytest

from accounting.exceptions import PeriodClosedError
from accounting.models import AccountingPeriod
from accounting.services import period_require_open

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
