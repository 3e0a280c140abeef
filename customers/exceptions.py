"""Domain errors of the customer services (ValidationError, so forms show them at fields)."""

from django.core.exceptions import ValidationError


class CustomerError(ValidationError):
    """A customer change was refused; nothing was written."""

    def __str__(self) -> str:
        return " ".join(self.messages)


class CustomerHasOrdersError(CustomerError):
    """The customer has orders, so deleting it would orphan them; deactivate it instead."""


class DefaultAddressError(CustomerError):
    """The customer already has a default shipping (or billing) address."""
