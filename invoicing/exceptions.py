"""Domain errors of invoicing: DomainErrors, so forms show them at their fields."""

from core.exceptions import AlreadyDoneError, DomainError


class InvoicingError(DomainError):
    """An invoicing operation was refused; nothing was written."""


class InvoiceStateError(InvoicingError):
    """The invoice's status does not allow this (editing a posted invoice, voiding a draft)."""


class InvoiceAlreadyDoneError(AlreadyDoneError, InvoiceStateError):
    """The invoice already is where the action leads (Post of a posted invoice)."""


class InvoiceQuantityError(InvoicingError):
    """A quantity that may not be invoiced: above what is shipped (or ordered), negative,
    beyond the unit's decimals, a line of another order, nothing left to invoice."""


class PaymentError(InvoicingError):
    """A payment that cannot be recorded or reversed: above the open amount, dated before the
    invoice or in a closed period, on an invoice that is not posted."""


class ShipAndInvoiceError(InvoicingError):
    """Ship and Invoice could not cover every line; nothing was shipped or invoiced."""
