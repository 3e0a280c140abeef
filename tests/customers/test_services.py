from decimal import Decimal

import pytest
from django.db import IntegrityError

from customers import services
from customers.exceptions import (
    CustomerError,
    CustomerHasOrdersError,
    CustomerUnchangedError,
    DefaultAddressError,
)
from customers.models import Address, Customer
from tests.factories import AddressFactory, ContactFactory, CustomerFactory, SalesOrderFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "1 Harbour Road", "city": "Hamburg", "country": "Germany"}


def test_blank_code_gets_next_number():
    """A customer saved without a code gets the next C-00000 number."""
    Customer.objects.create(code="C-00041", name="Old")
    Customer.objects.create(code="SPECIAL", name="Hand-picked code")
    customer = services.customer_create(name="Acme GmbH", currency="EUR")
    assert customer.code == "C-00042"
    assert services.customer_create(name="Beta").code == "C-00043"


def test_first_customer_gets_c00001():
    assert services.customer_create(name="First").code == "C-00001"


def test_generated_code_skips_codes_beyond_five_digits():
    """Numbering goes on past C-99999 instead of sorting C-100000 before it."""
    Customer.objects.create(code="C-99999", name="A")
    Customer.objects.create(code="C-100000", name="B")
    assert services.customer_create(name="C").code == "C-100001"


def test_code_collision_retries_with_next_number(monkeypatch):
    """If another process takes the code between lookup and insert, the next number is used."""
    Customer.objects.create(code="C-00005", name="Taken")
    calls = iter(["C-00005", "C-00006"])
    monkeypatch.setattr(services, "next_customer_code", lambda: next(calls))
    customer = services.customer_create(name="Racer")
    assert customer.code == "C-00006"
    assert Customer.objects.count() == 2


def test_given_code_is_kept_and_duplicates_refused():
    services.customer_create(code="KEY-1", name="One")
    with pytest.raises(CustomerError) as error:
        services.customer_create(code="KEY-1", name="Two")
    assert "code" in error.value.message_dict
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("currency", ["XYZ", "eur", "EURO", ""])
def test_unknown_currency_refused(currency):
    """Only ISO 4217 codes are accepted, at the currency field."""
    with pytest.raises(CustomerError) as error:
        services.customer_create(name="Acme", currency=currency)
    assert "currency" in error.value.message_dict
    assert not Customer.objects.exists()


def test_currency_defaults_from_settings(settings):
    settings.DEFAULT_CURRENCY = "GBP"
    assert services.customer_create(name="Acme").currency == "GBP"


def test_update_changes_fields():
    customer = CustomerFactory(name="Old name")
    services.customer_update(customer=customer, name="New name", credit_limit=Decimal("500.00"))
    customer.refresh_from_db()
    assert (customer.name, customer.credit_limit) == ("New name", Decimal("500.00"))


def test_delete_refused_when_customer_has_orders():
    """A customer with orders is deactivated, not deleted; the message says so."""
    order = SalesOrderFactory()
    with pytest.raises(CustomerHasOrdersError, match="Deactivate"):
        services.customer_delete(customer=order.customer)
    assert Customer.objects.filter(pk=order.customer_id).exists()


def test_delete_without_orders_removes_addresses_and_contacts():
    customer = CustomerFactory()
    AddressFactory(customer=customer)
    ContactFactory(customer=customer)
    services.customer_delete(customer=customer)
    assert not Customer.objects.exists()
    assert not Address.objects.exists()


def test_deactivated_customer_not_offered_for_orders():
    customer = CustomerFactory()
    services.customer_set_active(customer=customer, active=False)
    assert customer not in Customer.objects.active()


@pytest.mark.parametrize("active", [True, False])
def test_customer_set_active_refuses_a_customer_already_so(active):
    """Someone else deactivated (or reactivated) it first: the second click says so."""
    customer = CustomerFactory(name="Acme Tools", active=active)
    with pytest.raises(CustomerUnchangedError) as error:
        services.customer_set_active(customer=customer, active=active)
    state = "active" if active else "inactive"
    assert str(error.value) == f"{customer} is already {state}."
    customer.refresh_from_db()
    assert customer.active is active


def test_second_default_shipping_address_refused():
    """Two default shipping addresses: refused at the flag, nothing saved."""
    customer = CustomerFactory()
    services.address_create(customer=customer, is_default_shipping=True, **ADDRESS)
    with pytest.raises(DefaultAddressError) as error:
        services.address_create(customer=customer, is_default_shipping=True, **ADDRESS)
    assert "is_default_shipping" in error.value.message_dict
    assert customer.addresses.count() == 1
    # Another customer may have its own default.
    services.address_create(customer=CustomerFactory(), is_default_shipping=True, **ADDRESS)


def test_second_default_billing_address_refused_on_update():
    customer = CustomerFactory()
    services.address_create(customer=customer, is_default_billing=True, **ADDRESS)
    other = services.address_create(customer=customer, **ADDRESS)
    with pytest.raises(DefaultAddressError) as error:
        services.address_update(address=other, is_default_billing=True)
    assert "is_default_billing" in error.value.message_dict
    other.refresh_from_db()
    assert not other.is_default_billing


def test_same_address_may_keep_its_default_flag():
    customer = CustomerFactory()
    address = services.address_create(customer=customer, is_default_shipping=True, **ADDRESS)
    services.address_update(address=address, city="Bremen", is_default_shipping=True)
    address.refresh_from_db()
    assert address.city == "Bremen"


def test_unknown_country_refused():
    with pytest.raises(CustomerError) as error:
        services.address_create(customer=CustomerFactory(), **{**ADDRESS, "country": "Atlantis"})
    assert "country" in error.value.message_dict


def test_contact_create_update_delete():
    customer = CustomerFactory()
    contact = services.contact_create(customer=customer, name="Ann Buyer", email="ann@example.com")
    services.contact_update(contact=contact, role="Purchasing")
    contact.refresh_from_db()
    assert contact.role == "Purchasing"
    with pytest.raises(CustomerError):
        services.contact_update(contact=contact, email="not an email")
    services.contact_delete(contact=contact)
    assert not customer.contacts.exists()


def test_database_refuses_two_default_shipping_addresses():
    """The constraint holds even when code bypasses the services."""
    customer = CustomerFactory()
    AddressFactory(customer=customer, is_default_shipping=True)
    with pytest.raises(IntegrityError):
        AddressFactory(customer=customer, is_default_shipping=True)


def test_database_refuses_two_default_billing_addresses():
    """The constraint holds even when code bypasses the services."""
    customer = CustomerFactory()
    AddressFactory(customer=customer, is_default_billing=True)
    with pytest.raises(IntegrityError):
        AddressFactory(customer=customer, is_default_billing=True)


def test_database_refuses_duplicate_customer_code():
    """The unique code holds even when code bypasses the form and the services."""
    Customer.objects.create(code="C-00001", name="First")
    with pytest.raises(IntegrityError):
        Customer.objects.create(code="C-00001", name="Second")


def test_blanked_code_on_update_retries_with_next_number(monkeypatch):
    """An edit that blanks the code gets the next free number, even if another save took the
    first one it was offered."""
    customer = CustomerFactory(code="OLD-1")
    Customer.objects.create(code="C-00005", name="Taken")
    calls = iter(["C-00005", "C-00006"])
    monkeypatch.setattr(services, "next_customer_code", lambda: next(calls))
    services.customer_update(customer=customer, code="  ")
    customer.refresh_from_db()
    assert customer.code == "C-00006"
    assert Customer.objects.count() == 2


def test_no_free_code_refused_at_code_field(monkeypatch):
    Customer.objects.create(code="C-00005", name="Taken")
    monkeypatch.setattr(services, "next_customer_code", lambda: "C-00005")
    with pytest.raises(CustomerError) as error:
        services.customer_create(name="Unlucky")
    assert "please enter one" in " ".join(error.value.message_dict["code"])
    assert Customer.objects.count() == 1


def test_addresses_save_moves_default_in_one_call():
    """The flag one address gives up is cleared before another address takes it."""
    customer = CustomerFactory()
    old = AddressFactory(customer=customer, is_default_shipping=True)
    new = AddressFactory(customer=customer)
    new.is_default_shipping, old.is_default_shipping = True, False
    services.addresses_save(customer=customer, addresses=[new, old])
    assert list(customer.addresses.filter(is_default_shipping=True)) == [new]


def test_addresses_save_refuses_second_default_and_writes_nothing():
    customer = CustomerFactory()
    AddressFactory(customer=customer, is_default_billing=True)
    other = AddressFactory(customer=customer, city="Bonn")
    other.city, other.is_default_billing = "Köln", True
    with pytest.raises(DefaultAddressError):
        services.addresses_save(customer=customer, addresses=[other])
    other.refresh_from_db()
    assert (other.city, other.is_default_billing) == ("Bonn", False)
