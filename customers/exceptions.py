"""Domain errors of the customer services (core.exceptions.DomainError, so forms show them
at their fields)."""

from core.exceptions import DomainError


class CustomerError(DomainError):
    """A customer change was refused; nothing was written."""


class CustomerHasOrdersError(CustomerError):
    """The customer has orders, so deleting it would orphan them; deactivate it instead."""


class DefaultAddressError(CustomerError):
    """The customer already has a default shipping (or billing) address."""


class CustomerUnchangedError(CustomerError):
    """The customer already is active (or inactive) as asked."""
