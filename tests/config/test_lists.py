"""What every list page shares: 25 rows a page, a choice of 50 or 100, and one row count."""

import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db

URL = reverse("customers:customer-list")


@pytest.fixture
def customers():
    Customer.objects.bulk_create(
        Customer(code=f"C-{n:05d}", name=f"Customer {n:03d}", currency="EUR") for n in range(1, 131)
    )


def rows(response) -> int:
    return len(response.context["table"].page.object_list)


def test_lists_show_25_rows_and_offer_50_and_100(sales_client, customers):
    response = sales_client.get(URL)
    assert rows(response) == 25
    html = response.content.decode()
    assert "130 in all" in html
    assert "Rows per page:" in html and "per_page=50" in html and "per_page=100" in html
    assert rows(sales_client.get(URL, {"per_page": 50})) == 50


def test_a_page_never_holds_more_than_100_rows(sales_client, customers):
    response = sales_client.get(URL, {"per_page": 100000})
    assert rows(response) == 100
    assert "Page 1 of 2" in response.content.decode()


def test_a_list_page_counts_its_rows_once(sales_client, customers, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        sales_client.get(URL)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1, counts
