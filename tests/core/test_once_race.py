"""Submit once under real concurrency (PostgreSQL): the same New Shipment and Allocate Stock
submissions sent at the same moment from separate connections are done once."""

from decimal import Decimal

import pytest
from django.test import Client

from shipping.models import Allocation
from tests.core.test_once import TOKEN, _allocate_stock, _new_shipment
from tests.shipping.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("form", [_new_shipment, _allocate_stock], ids=["shipment", "allocate"])
def test_four_identical_submissions_at_once_are_done_once(manager_user, form):
    url, data, model = form()
    before = model.objects.count()
    data["once_token"] = TOKEN
    clients = []
    for _ in range(4):
        client = Client()
        client.force_login(manager_user)
        clients.append(client)
    results = run_together([lambda c=c: c.post(url, data).status_code for c in clients])
    assert results == [302] * 4
    assert model.objects.count() == before + 1
    if model is Allocation:
        assert Allocation.objects.get().quantity == Decimal("3")
