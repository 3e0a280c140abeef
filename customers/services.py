"""Every write to customers, addresses and contacts goes through these functions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Length

from customers.exceptions import (
    CustomerError,
    CustomerHasOrdersError,
    CustomerUnchangedError,
    DefaultAddressError,
)
from customers.models import Address, Contact, Customer

CODE_PREFIX = "C-"
CODE_DIGITS = 5
CODE_ATTEMPTS = 10

CUSTOMER_FIELDS = [
    "code",
    "name",
    "active",
    "email",
    "phone",
    "website",
    "currency",
    "payment_terms_kind",
    "payment_terms_days",
    "credit_limit",
    "country",
    "tax_treatment",
    "tax_number",
    "notes",
]
ADDRESS_FIELDS = [
    "label",
    "line1",
    "line2",
    "city",
    "region",
    "postcode",
    "country",
    "is_default_shipping",
    "is_default_billing",
]
CONTACT_FIELDS = ["name", "role", "email", "phone"]


def _as_error(error: ValidationError) -> CustomerError:
    return CustomerError(error.error_dict if hasattr(error, "error_dict") else error.error_list)


def next_customer_code() -> str:
    """The code after the highest `C-<digits>` code in use, e.g. C-00042 -> C-00043."""
    last = (
        Customer.objects.filter(code__regex=rf"^{CODE_PREFIX}[0-9]+$")
        .annotate(code_length=Length("code"))
        .order_by("-code_length", "-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last[len(CODE_PREFIX) :]) + 1 if last else 1
    return f"{CODE_PREFIX}{number:0{CODE_DIGITS}d}"


def _check_customer(customer: Customer) -> None:
    try:
        customer.full_clean(exclude=["code"] if not customer.code else None)
    except ValidationError as error:
        raise _as_error(error) from None


@transaction.atomic
def customer_create(*, user: Any = None, **fields: Any) -> Customer:
    """Create a customer from `fields` (see CUSTOMER_FIELDS); a blank code gets the next C-00000.

    The generated code is race-safe: two people saving at once both get a code, because an
    insert that loses the race on the unique code retries with the next number (in a savepoint).
    Raises CustomerError (at the fields) for bad input, e.g. an unknown currency code.
    """
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    return customer_save(customer=Customer(**fields), user=user)


@transaction.atomic
def customer_update(*, customer: Customer, user: Any = None, **fields: Any) -> Customer:
    """Change the given fields of a customer (a blank code gets the next C-00000).

    Raises CustomerError (at the fields) for bad input.
    """
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(customer, name, value)
    return customer_save(customer=customer, user=user)


@transaction.atomic
def customer_save(*, customer: Customer, user: Any = None) -> Customer:
    """Insert or update this customer instance as it is (the admin's form builds it).

    A blank code gets the next C-00000, race-safe: a save that loses the race on the unique
    code retries with the next number (in a savepoint). Raises CustomerError (at the fields)
    for bad input, and when no free code is found.
    """
    customer.code = (customer.code or "").strip()
    _check_customer(customer)
    if customer.code:
        customer.save()
        return customer
    adding = customer.pk is None
    for _attempt in range(CODE_ATTEMPTS):
        customer.code = next_customer_code()
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:
            if adding:
                customer.pk = None
            if not Customer.objects.filter(code=customer.code).exists():
                raise
            continue
        return customer
    customer.code = ""
    raise CustomerError({"code": "Could not find a free customer code; please enter one."})


@transaction.atomic
def customer_set_active(*, customer: Customer, active: bool, user: Any = None) -> Customer:
    """Activate or deactivate a customer. An inactive customer cannot get new orders.

    Locks the customer row. Raises CustomerUnchangedError when the customer already is so
    (someone else did it first, or it was selected by mistake)."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.active == active:
        raise CustomerUnchangedError(f"{locked} is already {'active' if active else 'inactive'}.")
    locked.active = customer.active = active
    locked.save(update_fields=["active", "updated_at"])
    return locked


@transaction.atomic
def customer_delete(*, customer: Customer, user: Any = None) -> None:
    """Delete a customer with no orders, with its addresses and contacts.

    Raises CustomerHasOrdersError when the customer has orders: deactivate it instead.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.sales_orders.exists():
        raise CustomerHasOrdersError(
            f"{customer} has sales orders, so it cannot be deleted. Deactivate it instead."
        )
    customer.delete()


def customer_receivable_adjust(*, customer: Customer, delta) -> None:
    """Add `delta` (base currency; negative for a payment or a credit note) to the customer's
    open receivable, in the caller's transaction. The caller (invoicing) holds the customer's
    row lock or accepts the atomic UPDATE's own serialisation: it is one `SET x = x + delta`."""
    Customer.objects.filter(pk=customer.pk).update(receivable_base=F("receivable_base") + delta)


def _check_default_flags(address: Address) -> None:
    others = Address.objects.filter(customer_id=address.customer_id).exclude(pk=address.pk)
    errors = {}
    if address.is_default_shipping and others.filter(is_default_shipping=True).exists():
        errors["is_default_shipping"] = (
            "This customer already has a default shipping address. Untick it there first."
        )
    if address.is_default_billing and others.filter(is_default_billing=True).exists():
        errors["is_default_billing"] = (
            "This customer already has a default billing address. Untick it there first."
        )
    if errors:
        raise DefaultAddressError(errors)


def _save_address(address: Address) -> Address:
    # Lock the customer so two concurrent saves cannot both pass the default-flag check;
    # the partial unique constraints are the final guard.
    Customer.objects.select_for_update().filter(pk=address.customer_id).first()
    _check_default_flags(address)
    try:
        address.full_clean(exclude=["customer"], validate_constraints=False)
    except ValidationError as error:
        raise _as_error(error) from None
    address.save()
    return address


@transaction.atomic
def address_create(*, customer: Customer, user: Any = None, **fields: Any) -> Address:
    """Add an address to a customer. Locks the customer row.

    Raises DefaultAddressError (at the flag) when it would be a second default shipping or
    billing address, CustomerError for other bad input.
    """
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown address fields: {', '.join(sorted(unknown))}")
    return _save_address(Address(customer=customer, **fields))


@transaction.atomic
def address_update(*, address: Address, user: Any = None, **fields: Any) -> Address:
    """Change an address. Locks the customer row; raises like address_create."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown address fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(address, name, value)
    return _save_address(address)


@transaction.atomic
def addresses_save(
    *,
    customer: Customer,
    addresses: Iterable[Address],
    deleted: Iterable[Address] = (),
    user: Any = None,
) -> list[Address]:
    """Save several addresses of one customer at once, as the admin's inline does.

    Removes `deleted` first, then clears the default flags the saved addresses give up, then
    saves each (new or changed) address with the usual checks, so a default can move from one
    address to another in one go. Locks the customer row. Raises DefaultAddressError when the
    customer would still end up with two default shipping (or billing) addresses, CustomerError
    for other bad input; nothing is written then.
    """
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    addresses = list(addresses)
    for address in [*addresses, *deleted]:
        if address.customer_id != customer.pk:
            raise CustomerError(f"{address} is not an address of {customer}.")
    for address in deleted:
        address.delete()
    for flag in ("is_default_shipping", "is_default_billing"):
        giving_up = [a.pk for a in addresses if a.pk is not None and not getattr(a, flag)]
        if giving_up:
            Address.objects.filter(pk__in=giving_up, **{flag: True}).update(**{flag: False})
    return [_save_address(address) for address in addresses]


@transaction.atomic
def address_delete(*, address: Address, user: Any = None) -> None:
    """Remove an address. Orders keep their own copy of the address text."""
    address.delete()


@transaction.atomic
def contact_create(*, customer: Customer, user: Any = None, **fields: Any) -> Contact:
    """Add a contact person to a customer. Raises CustomerError for bad input."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    contact = Contact(customer=customer, **fields)
    try:
        contact.full_clean(exclude=["customer"])
    except ValidationError as error:
        raise _as_error(error) from None
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, user: Any = None, **fields: Any) -> Contact:
    """Change a contact. Raises CustomerError for bad input."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(contact, name, value)
    try:
        contact.full_clean(exclude=["customer"])
    except ValidationError as error:
        raise _as_error(error) from None
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, user: Any = None) -> None:
    """Remove a contact. Orders that named this contact keep it blank (SET_NULL)."""
    contact.delete()
