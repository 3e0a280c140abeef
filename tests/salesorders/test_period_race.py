"""Closing a period while an order is being saved into it: one of them wins, consistently
(PostgreSQL, separate connections). The order's check holds a KEY SHARE lock on the period row
until it commits; the close locks the row FOR UPDATE, so it waits for the order, or the order
waits for the close and is refused."""

import datetime
import random
import threading
import time

import pytest
from django.db import connection

from accounting import services as accounting_services
from accounting.exceptions import PeriodClosedError, PeriodError
from accounting.models import AccountingPeriod
from salesorders import services
from salesorders.models import SalesOrder
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 30
FIRST_DAY = datetime.date(2031, 1, 1)


def _run_together(*calls):
    """Run each call in a thread of its own (its own connection), released at one moment.
    Returns what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - returned to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_closing_a_period_while_an_order_is_saved_into_it_never_leaves_an_order_behind(
    monkeypatch,
):
    customer = CustomerFactory()
    clerk, accountant = UserFactory(username="clerk"), UserFactory(username="accountant")
    real_rate = services.exchange_rate_for

    def slow_rate(**kwargs):
        # Between the period check and the order's insert: the window a missing lock would
        # let a close slip through.
        time.sleep(random.uniform(0, 0.03))
        return real_rate(**kwargs)

    monkeypatch.setattr(services, "exchange_rate_for", slow_rate)
    outcomes = {"saved": 0, "refused": 0}
    for attempt in range(ATTEMPTS):
        day = FIRST_DAY + datetime.timedelta(days=attempt)
        period = accounting_services.period_create(
            name=f"Day {attempt}", start=day, end=day, user=accountant
        )

        def close(period=period):
            time.sleep(random.uniform(0, 0.02))
            return accounting_services.period_close(period=period, user=accountant)

        def save(day=day):
            return services.salesorder_create(customer=customer, user=clerk, order_date=day)

        closed, order = _run_together(close, save)
        assert isinstance(closed, AccountingPeriod), closed
        if isinstance(order, PeriodClosedError):
            outcomes["refused"] += 1
            assert f"falls in Day {attempt}, which is closed" in str(order)
        else:
            assert isinstance(order, SalesOrder), order
            outcomes["saved"] += 1
    # The invariant, read back from the database: every order dated in a closed period was
    # saved before the period closed; a refused order left nothing behind.
    assert SalesOrder.objects.count() == outcomes["saved"]
    for order in SalesOrder.objects.all():
        period = AccountingPeriod.objects.covering(order.order_date).get()
        assert period.status == AccountingPeriod.Status.CLOSED
        assert order.created_at < period.status_changed_at, (order, period)
    assert AccountingPeriod.objects.shut().count() == ATTEMPTS
    print(outcomes)


def test_two_overlapping_periods_created_at_once_give_one_period_and_one_refusal():
    """The exclusion constraint backs the service's check across connections."""
    accountant = UserFactory(username="accountant")
    for attempt in range(10):
        start = FIRST_DAY + datetime.timedelta(days=10 * attempt)

        def create(name, start=start):
            return accounting_services.period_create(
                name=name, start=start, end=start + datetime.timedelta(days=5), user=accountant
            )

        names = (f"A{attempt}", f"B{attempt}")
        results = _run_together(*(lambda name=name: create(name) for name in names))
        periods = [r for r in results if isinstance(r, AccountingPeriod)]
        refusals = [r for r in results if isinstance(r, PeriodError)]
        assert len(periods) == 1 and len(refusals) == 1, results
        assert f"overlaps {periods[0].name}" in str(refusals[0])
    assert AccountingPeriod.objects.count() == 10
