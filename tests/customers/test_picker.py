"""The customer picker: its search endpoint (htmx fragment or JSON, constant queries) and New
Sales Order's customer box, which selects the one customer the text names."""

import pytest
from django.urls import reverse

from salesorders.models import SalesOrder
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("customers:customer-search")


def test_search_finds_by_code_or_name_exact_code_first_as_json(sales_client):
    acme = CustomerFactory(code="ACME", name="Acme Tools")
    CustomerFactory(code="B-1", name="Beta Acme Supplies")
    CustomerFactory(code="C-1", name="Gamma")
    data = sales_client.get(SEARCH, {"q": "acme"}).json()
    assert [row["code"] for row in data["results"]] == ["ACME", "B-1"]
    assert data["results"][0] == {
        "id": acme.pk,
        "code": "ACME",
        "name": "Acme Tools",
        "label": "ACME Acme Tools",
        "detail": "EUR",
    }
    assert data["more"] is False


def test_search_answers_htmx_with_the_suggestions_fragment(sales_client):
    CustomerFactory(code="ACME", name="Acme Tools")
    response = sales_client.get(SEARCH, {"q": "acm"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-pick-code="ACME"' in html and 'role="option"' in html


def test_search_with_active_only_leaves_out_inactive_customers(sales_client):
    CustomerFactory(code="OLD", name="Old Acme", active=False)
    assert sales_client.get(SEARCH, {"q": "acme", "active": "1"}).json()["results"] == []
    assert len(sales_client.get(SEARCH, {"q": "acme"}).json()["results"]) == 1


def test_search_costs_the_same_queries_for_3_or_60_customers(
    sales_client, django_assert_max_num_queries
):
    for count in (3, 60):
        CustomerFactory.create_batch(count, name="Widget Co")
        with django_assert_max_num_queries(5):
            data = sales_client.get(SEARCH, {"q": "widget"}).json()
        assert len(data["results"]) == min(count, 10) and data["more"] is (count > 10)


def test_search_needs_a_login_and_the_permission(client, user):
    assert client.get(SEARCH, {"q": "a"}).status_code == 302
    client.force_login(user)
    assert client.get(SEARCH, {"q": "a"}).status_code == 403


def post_new_order(client, **data):
    return client.post(reverse("salesorders:create"), {"priority": 0, **data})


def test_new_order_selects_the_one_customer_the_typed_text_names(sales_client):
    acme = CustomerFactory(code="ACME", name="Acme Tools")
    CustomerFactory(code="ZED", name="Zed Ltd")
    response = post_new_order(sales_client, customer_q="acme to")
    order = SalesOrder.objects.get()
    assert response.status_code == 302 and order.customer == acme


def test_new_order_with_several_matches_lists_them_to_pick_one(sales_client):
    CustomerFactory(code="A-1", name="Acme North")
    south = CustomerFactory(code="A-2", name="Acme South")
    response = post_new_order(sales_client, customer_q="acme")
    html = response.content.decode()
    assert response.status_code == 200 and not SalesOrder.objects.exists()
    assert "“acme” matches 2; pick one below or type more." in html
    assert 'data-testid="customer-matches"' in html and "A-2 Acme South" in html
    # Picking one of the list (the box unchanged) creates the order for it.
    post_new_order(sales_client, customer_q="acme", customer_label="acme", customer=south.pk)
    assert SalesOrder.objects.get().customer == south


def test_new_order_says_when_nothing_matches(sales_client):
    response = post_new_order(sales_client, customer_q="nobody")
    assert "Nothing matches “nobody”." in response.content.decode()


def test_a_picked_customer_is_replaced_when_the_box_is_edited(sales_client):
    acme, zed = CustomerFactory(code="ACME", name="Acme"), CustomerFactory(code="ZED", name="Zed")
    post_new_order(sales_client, customer=acme.pk, customer_label=str(acme), customer_q="zed")
    assert SalesOrder.objects.get().customer == zed
