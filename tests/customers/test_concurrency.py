"""Customer codes stay unique when people save at the same moment (PostgreSQL, real connections)."""

import threading

import pytest
from django.db import connection

from customers import services
from customers.models import Customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_creates_get_distinct_codes():
    """Eight simultaneous New Customer saves all succeed, each with its own C-code."""
    barrier = threading.Barrier(8)
    errors = []

    def create(index):
        try:
            barrier.wait()
            services.customer_create(name=f"Rush {index}")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    codes = sorted(Customer.objects.values_list("code", flat=True))
    assert codes == [f"C-{n:05d}" for n in range(1, 9)]
