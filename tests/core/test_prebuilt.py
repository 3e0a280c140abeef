"""A prebuilt queryset (core.prebuilt) is built once a day and cloned per call: each call
still reads the rows as they are now, and a new day brings the new day's stock rules."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from salesorders.models import SalesOrder
from shipping.selectors import backorder_lines
from tests.factories import SalesOrderFactory, SalesOrderLineFactory, StockItemFactory

pytestmark = pytest.mark.django_db


def test_backorders_read_rows_written_after_the_queryset_was_built():
    assert list(backorder_lines()) == []
    line = SalesOrderLineFactory(order=SalesOrderFactory(status=SalesOrder.Status.ISSUED))
    assert [row.pk for row in backorder_lines()] == [line.pk]
    line.delete()
    assert list(backorder_lines()) == []


def test_stock_expiring_today_is_available_today_and_not_tomorrow(monkeypatch):
    today = timezone.localdate()
    line = SalesOrderLineFactory(order=SalesOrderFactory(status=SalesOrder.Status.ISSUED))
    StockItemFactory(part=line.part, quantity=Decimal("7"), expiry_date=today)
    assert backorder_lines().get(pk=line.pk).part_available == Decimal("7")
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert backorder_lines().get(pk=line.pk).part_available == Decimal("0")
