"""Domain errors of the sales-order services: DomainErrors, so forms show them at their fields."""

from core.exceptions import AlreadyDoneError, DomainError


class SalesOrderError(DomainError):
    """A sales-order operation was refused; nothing was written."""


class OrderStateError(SalesOrderError):
    """The order's status does not allow this (an illegal transition, a read-only order)."""


class OrderAlreadyDoneError(AlreadyDoneError, OrderStateError):
    """The order already is where the lifecycle action leads (Issue of an Issued order)."""


class StaleOrderError(SalesOrderError):
    """Someone else saved the order after the form was opened."""


class OrderReferenceError(SalesOrderError):
    """A reference that does not match the pattern, or is taken; or an invalid pattern."""


class LineError(SalesOrderError):
    """A line that cannot be added or changed as asked (part, quantity, price, discount)."""


class DuplicateLineError(LineError):
    """The part is already on the order; `line` is the line to edit instead."""

    def __init__(self, message, *, line=None, **kwargs):
        super().__init__(message, **kwargs)
        self.line = line


class InactiveCustomerError(SalesOrderError):
    """The customer cannot take a new order (inactive)."""


class ConfirmationEmailError(SalesOrderError):
    """The order's confirmation cannot be emailed (cancelled, or nobody to send it to)."""


class CreditLimitError(SalesOrderError):
    """The order would take its customer over the credit limit and the policy blocks it."""


class CreditWarningError(SalesOrderError):
    """The order would take its customer over the credit limit: the user must see the warning
    (limit, exposure, excess) and acknowledge it first. `position` holds the figures."""

    def __init__(self, message, *, position=None, action: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.position = position
        self.action = action
