"""Two people pressing Make Order on one quote at once make one order (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from quotes import services
from quotes.models import SalesQuote
from salesorders.models import SalesOrder


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_make_orders_at_once_make_one_order(quote_with_lines, clerk):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def make_order():
        try:
            barrier.wait(timeout=10)
            order = services.quote_make_order(quote=SalesQuote(pk=quote_with_lines.pk), user=clerk)
            outcomes.append(f"made {order.reference}")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=make_order) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert SalesOrder.objects.count() == 1
    order = SalesOrder.objects.get()
    assert sorted(outcomes) == sorted(
        [
            f"made {order.reference}",
            f"{quote_with_lines.number} was already made into order {order}.",
        ]
    )
    assert SalesQuote.objects.get(pk=quote_with_lines.pk).order == order
