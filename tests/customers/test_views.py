import pytest
from django.urls import reverse

from customers.models import Address, Customer
from tests.factories import AddressFactory, ContactFactory, CustomerFactory, SalesOrderFactory

pytestmark = pytest.mark.django_db

CUSTOMER_POST = {
    "code": "",
    "name": "Harbour Tools GmbH",
    "email": "orders@harbour.example",
    "phone": "",
    "website": "",
    "currency": "eur",
    "payment_terms_days": "30",
    "credit_limit": "",
    "tax_number": "",
    "notes": "",
}
ADDRESS_POST = {
    "label": "Warehouse",
    "line1": "1 Quay Street",
    "line2": "",
    "city": "Hamburg",
    "region": "",
    "postcode": "20457",
    "country": "Germany",
}


def test_list_shows_customers_and_searches(sales_client):
    """The list finds customers by code, name or email."""
    CustomerFactory(code="C-00001", name="Alpha Tools", email="buy@alpha.example")
    CustomerFactory(code="C-00002", name="Beta Foods", email="hello@beta.example")
    page = sales_client.get(reverse("customers:customer-list"))
    assert page.status_code == 200
    assert "Alpha Tools" in page.text and "Beta Foods" in page.text
    assert "New Customer" in page.text
    for query in ["C-00002", "beta", "hello@"]:
        page = sales_client.get(reverse("customers:customer-list"), {"q": query})
        assert "Beta Foods" in page.text and "Alpha Tools" not in page.text


def test_list_filters_active_and_currency(sales_client):
    CustomerFactory(name="Gone Ltd", active=False, currency="GBP")
    CustomerFactory(name="Here GmbH", currency="EUR")
    page = sales_client.get(reverse("customers:customer-list"), {"active": "false"})
    assert "Gone Ltd" in page.text and "Here GmbH" not in page.text
    page = sales_client.get(reverse("customers:customer-list"), {"currency": "EUR"})
    assert "Here GmbH" in page.text and "Gone Ltd" not in page.text


def test_list_sorts_by_name_descending(sales_client):
    CustomerFactory(name="Aardvark")
    CustomerFactory(name="Zebra")
    page = sales_client.get(reverse("customers:customer-list"), {"sort": "-name"})
    assert page.text.index("Zebra") < page.text.index("Aardvark")


@pytest.mark.parametrize("rows", [1, 60])
def test_list_query_count_constant(sales_client, django_assert_max_num_queries, rows):
    """Listing costs the same number of queries for 1 customer or a full page."""
    CustomerFactory.create_batch(rows)
    with django_assert_max_num_queries(8):
        page = sales_client.get(reverse("customers:customer-list"))
    assert page.status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_detail_query_count_constant(sales_client, django_assert_max_num_queries, rows):
    customer = CustomerFactory()
    AddressFactory.create_batch(rows, customer=customer)
    ContactFactory.create_batch(rows, customer=customer)
    # 14: one of them only while this process has not yet cached the content type that the
    # attachments section asks for.
    with django_assert_max_num_queries(14):
        page = sales_client.get(customer.get_absolute_url())
    assert page.status_code == 200
    assert page.text.count('data-testid="address"') == rows


def test_create_customer_generates_code(sales_client):
    """A new customer saved without a code gets C-00001 and the currency upper-cased."""
    response = sales_client.post(reverse("customers:customer-create"), CUSTOMER_POST, follow=True)
    customer = Customer.objects.get()
    assert (customer.code, customer.currency) == ("C-00001", "EUR")
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert "Harbour Tools GmbH" in response.text


def test_unknown_currency_shown_at_field(sales_client):
    response = sales_client.post(
        reverse("customers:customer-create"), {**CUSTOMER_POST, "currency": "XYZ"}
    )
    assert response.status_code == 200
    assert "XYZ is not an ISO 4217 currency code" in response.text
    assert response.context["form"].errors["currency"]
    assert not Customer.objects.exists()


def test_duplicate_code_shown_at_field(sales_client):
    CustomerFactory(code="C-00007")
    response = sales_client.post(
        reverse("customers:customer-create"), {**CUSTOMER_POST, "code": "c-00007"}
    )
    assert "code" in response.context["form"].errors
    assert Customer.objects.count() == 1


def test_edit_customer(sales_client):
    customer = CustomerFactory(name="Old")
    data = {**CUSTOMER_POST, "code": customer.code, "name": "New name"}
    sales_client.post(reverse("customers:customer-update", args=[customer.pk]), data)
    customer.refresh_from_db()
    assert customer.name == "New name"


def test_add_address_and_refuse_second_default_shipping(sales_client):
    """A second default shipping address is refused next to the checkbox; nothing saved."""
    customer = CustomerFactory()
    url = reverse("customers:address-create", args=[customer.pk])
    data = {**ADDRESS_POST, "is_default_shipping": "on"}
    assert sales_client.post(url, data).status_code == 302
    response = sales_client.post(url, data)
    assert response.status_code == 200
    assert "already has a default shipping address" in response.text
    assert response.context["form"].errors["is_default_shipping"]
    assert customer.addresses.count() == 1


def test_edit_and_remove_address(sales_client):
    address = AddressFactory(city="Bonn")
    customer = address.customer
    sales_client.post(
        reverse("customers:address-update", args=[customer.pk, address.pk]),
        {**ADDRESS_POST, "city": "Köln"},
    )
    address.refresh_from_db()
    assert address.city == "Köln"
    sales_client.post(reverse("customers:address-delete", args=[customer.pk, address.pk]))
    assert not Address.objects.exists()


def test_address_of_other_customer_is_404(sales_client):
    address = AddressFactory()
    other = CustomerFactory()
    url = reverse("customers:address-update", args=[other.pk, address.pk])
    assert sales_client.get(url).status_code == 404


def test_contact_add_edit_remove(sales_client):
    customer = CustomerFactory()
    sales_client.post(
        reverse("customers:contact-create", args=[customer.pk]),
        {"name": "Ann Buyer", "role": "Buyer", "email": "ann@example.com", "phone": ""},
    )
    contact = customer.contacts.get()
    sales_client.post(
        reverse("customers:contact-update", args=[customer.pk, contact.pk]),
        {"name": "Ann Buyer", "role": "Head of purchasing", "email": "", "phone": ""},
    )
    contact.refresh_from_db()
    assert contact.role == "Head of purchasing"
    sales_client.post(reverse("customers:contact-delete", args=[customer.pk, contact.pk]))
    assert not customer.contacts.exists()


def test_deactivate_is_post_only(sales_client):
    customer = CustomerFactory()
    url = reverse("customers:customer-deactivate", args=[customer.pk])
    assert sales_client.get(url).status_code == 405
    response = sales_client.post(url, follow=True)
    customer.refresh_from_db()
    assert not customer.active
    assert "deactivated" in response.text
    sales_client.post(reverse("customers:customer-activate", args=[customer.pk]))
    customer.refresh_from_db()
    assert customer.active


def test_deactivating_an_inactive_customer_says_it_already_is(sales_client):
    customer = CustomerFactory(active=False)
    response = sales_client.post(
        reverse("customers:customer-deactivate", args=[customer.pk]), follow=True
    )
    assert response.status_code == 200
    assert f"{customer} is already inactive." in response.text
    assert "cannot get new orders" not in response.text


def test_delete_customer_with_orders_refused_with_message(sales_client):
    order = SalesOrderFactory()
    response = sales_client.post(
        reverse("customers:customer-delete", args=[order.customer.pk]), follow=True
    )
    assert "Deactivate it instead" in response.text
    assert Customer.objects.filter(pk=order.customer.pk).exists()


def test_delete_customer_without_orders(sales_client):
    customer = CustomerFactory()
    assert (
        sales_client.get(reverse("customers:customer-delete", args=[customer.pk])).status_code
        == 200
    )
    sales_client.post(reverse("customers:customer-delete", args=[customer.pk]))
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("client_fixture", "may_read", "may_write"),
    [
        ("sales_client", True, True),
        ("warehouse_client", True, False),
        ("manager_client", True, True),
    ],
)
def test_permissions_per_group(request, client_fixture, may_read, may_write):
    """Sales and managers edit customers; the warehouse only reads them."""
    client = request.getfixturevalue(client_fixture)
    customer = CustomerFactory()
    read = client.get(customer.get_absolute_url())
    assert read.status_code == (200 if may_read else 403)
    write = client.post(reverse("customers:customer-create"), CUSTOMER_POST)
    assert write.status_code == (302 if may_write else 403)
    deactivate = client.post(reverse("customers:customer-deactivate", args=[customer.pk]))
    assert deactivate.status_code == (302 if may_write else 403)
    customer.refresh_from_db()
    assert customer.active is not may_write


def test_user_without_group_gets_403(client, user):
    client.force_login(user)
    customer = CustomerFactory()
    for url in [
        reverse("customers:customer-list"),
        customer.get_absolute_url(),
        reverse("customers:customer-create"),
        reverse("customers:address-create", args=[customer.pk]),
    ]:
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("customers:customer-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


CONTACT_POST = {"name": "Ann Buyer", "role": "Buyer", "email": "ann@example.com", "phone": ""}


@pytest.mark.parametrize(
    ("client_fixture", "may_write"),
    [("sales_client", True), ("warehouse_client", False), ("manager_client", True)],
)
def test_address_and_contact_writes_per_group(request, client_fixture, may_write):
    """The warehouse reads addresses and contacts but gets 403 adding or editing one, and
    nothing is written; sales and managers may (config/roles.py)."""
    client = request.getfixturevalue(client_fixture)
    customer = CustomerFactory()
    address = AddressFactory(customer=customer, city="Bonn")
    contact = ContactFactory(customer=customer, role="Buyer")
    expected = 302 if may_write else 403
    writes = [
        (reverse("customers:address-create", args=[customer.pk]), ADDRESS_POST),
        (
            reverse("customers:address-update", args=[customer.pk, address.pk]),
            {**ADDRESS_POST, "city": "Köln"},
        ),
        (reverse("customers:contact-create", args=[customer.pk]), CONTACT_POST),
        (
            reverse("customers:contact-update", args=[customer.pk, contact.pk]),
            {**CONTACT_POST, "role": "Head of purchasing"},
        ),
    ]
    for url, data in writes:
        assert client.get(url).status_code == (200 if may_write else 403), url
        assert client.post(url, data).status_code == expected, url
    address.refresh_from_db()
    contact.refresh_from_db()
    assert customer.addresses.count() == (2 if may_write else 1)
    assert customer.contacts.count() == (2 if may_write else 1)
    assert address.city == ("Köln" if may_write else "Bonn")
    assert contact.role == ("Head of purchasing" if may_write else "Buyer")
