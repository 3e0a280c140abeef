import pytest
from django.urls import reverse

from customers import services
from customers.models import Address, Customer
from tests.factories import AddressFactory, CustomerFactory

pytestmark = pytest.mark.django_db

ADDRESS_FIELDS = ["label", "line1", "line2", "city", "region", "postcode", "country"]


def change_data(customer, addresses=(), **overrides):
    """The admin change form as the browser posts it; `addresses` are (address, changes)."""
    data = {
        "code": customer.code,
        "name": customer.name,
        "active": "on",
        "email": customer.email,
        "phone": "",
        "website": "",
        "currency": customer.currency,
        "payment_terms_days": "30",
        "payment_terms_kind": "net",
        "credit_limit": "",
        "country": "DE",
        "tax_treatment": "domestic",
        "tax_number": "",
        "notes": "",
        "addresses-TOTAL_FORMS": str(len(addresses)),
        "addresses-INITIAL_FORMS": str(sum(1 for address, _ in addresses if address.pk)),
        "addresses-MIN_NUM_FORMS": "0",
        "addresses-MAX_NUM_FORMS": "1000",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }
    for index, (address, changes) in enumerate(addresses):
        prefix = f"addresses-{index}-"
        data[f"{prefix}id"] = str(address.pk or "")
        data[f"{prefix}customer"] = str(customer.pk or "")
        for field in ADDRESS_FIELDS:
            data[prefix + field] = getattr(address, field)
        for flag in ["is_default_shipping", "is_default_billing", "DELETE"]:
            if changes.get(flag, getattr(address, flag, False)):
                data[prefix + flag] = "on"
        for name in ADDRESS_FIELDS:
            if name in changes:
                data[prefix + name] = changes[name]
    data.update(overrides)
    return data


def change_url(customer):
    return reverse("admin:customers_customer_change", args=[customer.pk])


def test_change_page_loads_with_addresses_and_contacts(manager_client):
    """The customer's admin page opens with its addresses inline."""
    address = AddressFactory(city="Bremen", is_default_shipping=True)
    response = manager_client.get(change_url(address.customer))
    assert response.status_code == 200
    assert "Bremen" in response.text
    assert "default shipping address" in response.text.lower()


@pytest.mark.parametrize(
    ("flag", "label"),
    [
        ("is_default_shipping", "default shipping address"),
        ("is_default_billing", "default billing address"),
    ],
)
def test_two_addresses_ticked_default_refused_with_message(manager_client, flag, label):
    """Ticking the same default on two addresses in one save is refused at the top of the
    addresses, not a server error; nothing is saved."""
    customer = CustomerFactory(name="Old name")
    first = AddressFactory(customer=customer)
    second = AddressFactory(customer=customer)
    data = change_data(customer, [(first, {flag: True}), (second, {flag: True})], name="New name")
    response = manager_client.post(change_url(customer), data)
    assert response.status_code == 200
    assert f"Only one address can be the {label}" in response.text
    customer.refresh_from_db()
    assert customer.name == "Old name"
    assert not Address.objects.filter(**{flag: True}).exists()


def test_new_address_ticked_default_beside_existing_default_refused(manager_client):
    """A new inline address ticked default while another keeps the flag: refused, not a 500."""
    customer = CustomerFactory()
    current = AddressFactory(customer=customer, is_default_billing=True)
    new = Address(line1="2 Dock Lane", city="Kiel", country="Germany")
    data = change_data(customer, [(current, {}), (new, {"is_default_billing": True})])
    response = manager_client.post(change_url(customer), data)
    assert response.status_code == 200
    assert "Only one address can be the default billing address" in response.text
    assert customer.addresses.count() == 1


def test_deleted_address_does_not_count_as_second_default(manager_client):
    """Deleting the old default and ticking another in the same save is allowed."""
    customer = CustomerFactory()
    old = AddressFactory(customer=customer, is_default_shipping=True)
    other = AddressFactory(customer=customer)
    data = change_data(customer, [(old, {"DELETE": True}), (other, {"is_default_shipping": True})])
    response = manager_client.post(change_url(customer), data)
    assert response.status_code == 302
    assert list(customer.addresses.all()) == [other]
    other.refresh_from_db()
    assert other.is_default_shipping


def test_default_moves_from_one_address_to_another_in_one_save(manager_client):
    """Unticking the default on one address and ticking it on another works in one save,
    whichever of the two comes first on the page."""
    customer = CustomerFactory()
    first = AddressFactory(customer=customer)
    second = AddressFactory(customer=customer, is_default_shipping=True, is_default_billing=True)
    data = change_data(
        customer,
        [
            (first, {"is_default_shipping": True}),
            (second, {"is_default_shipping": False}),
        ],
    )
    response = manager_client.post(change_url(customer), data, follow=True)
    assert "was changed successfully" in response.text
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default_shipping, second.is_default_shipping) == (True, False)
    assert second.is_default_billing


def test_defaults_swap_between_two_addresses_in_one_save(manager_client):
    """Shipping default moves one way and billing default the other, in one save."""
    customer = CustomerFactory()
    first = AddressFactory(customer=customer, is_default_shipping=True)
    second = AddressFactory(customer=customer, is_default_billing=True)
    data = change_data(
        customer,
        [
            (first, {"is_default_shipping": False, "is_default_billing": True}),
            (second, {"is_default_shipping": True, "is_default_billing": False}),
        ],
    )
    assert manager_client.post(change_url(customer), data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default_billing, first.is_default_shipping) == (True, False)
    assert (second.is_default_shipping, second.is_default_billing) == (True, False)


def test_concurrent_default_refused_with_not_saved_message(manager_client, monkeypatch):
    """If another address becomes default between the check and the save (someone else's
    save), the whole admin save is rolled back and the reason shown, not a server error."""
    customer = CustomerFactory(name="Old name")
    mine = AddressFactory(customer=customer)
    elsewhere = AddressFactory(customer=customer)
    real_save = services.addresses_save

    def racing_save(**kwargs):
        Address.objects.filter(pk=elsewhere.pk).update(is_default_shipping=True)
        return real_save(**kwargs)

    monkeypatch.setattr(services, "addresses_save", racing_save)
    data = change_data(customer, [(mine, {"is_default_shipping": True})], name="New name")
    response = manager_client.post(change_url(customer), data, follow=True)
    assert "Not saved: This customer already has a default shipping address" in response.text
    assert "was changed successfully" not in response.text
    customer.refresh_from_db()
    mine.refresh_from_db()
    assert (customer.name, mine.is_default_shipping) == ("Old name", False)


def test_admin_add_with_blank_code_retries_when_code_taken(manager_client, monkeypatch):
    """Two people adding customers at once: the one whose code was just taken gets the next
    number instead of a server error."""
    CustomerFactory(code="C-00005")
    codes = iter(["C-00005", "C-00006"])
    monkeypatch.setattr(services, "next_customer_code", lambda: next(codes))
    data = change_data(Customer(code="", name="Racer Ltd", email="", currency="EUR"))
    response = manager_client.post(reverse("admin:customers_customer_add"), data)
    assert response.status_code == 302
    assert Customer.objects.get(name="Racer Ltd").code == "C-00006"


def test_admin_blanked_code_gets_next_free_code(manager_client, monkeypatch):
    customer = CustomerFactory(code="OLD-1")
    CustomerFactory(code="C-00005")
    codes = iter(["C-00005", "C-00006"])
    monkeypatch.setattr(services, "next_customer_code", lambda: next(codes))
    response = manager_client.post(change_url(customer), change_data(customer, code=""))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.code == "C-00006"


def test_deactivate_action_goes_through_the_service_and_reports_refusals(manager_client):
    """Each selected customer is deactivated by customer_set_active (row lock, its rule); one
    that already is inactive is named, the rest are counted."""
    active = CustomerFactory(name="Acme Tools")
    inactive = CustomerFactory(name="Gone Ltd", active=False)
    response = manager_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "deactivate", "_selected_action": [active.pk, inactive.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"{inactive} is already inactive.", "1 customer(s) deactivated."]
    active.refresh_from_db()
    assert not active.active


def test_reactivate_action_reactivates_the_selected_customers(manager_client):
    customers = [CustomerFactory(active=False), CustomerFactory(active=False)]
    response = manager_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "reactivate", "_selected_action": [c.pk for c in customers]},
        follow=True,
    )
    assert "2 customer(s) reactivated." in [str(m) for m in response.context["messages"]]
    assert Customer.objects.filter(active=True).count() == 2
