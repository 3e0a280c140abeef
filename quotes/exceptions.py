"""Domain errors of the quote services: DomainErrors, so forms show them at their fields."""

from core.exceptions import AlreadyDoneError, DomainError


class QuoteError(DomainError):
    """A quote operation was refused; nothing was written."""


class QuoteStateError(QuoteError):
    """The quote's state does not allow this (accepted, declined, expired)."""


class QuoteAlreadyDoneError(AlreadyDoneError, QuoteStateError):
    """The quote already is where the action leads (Make Order of an accepted quote)."""


class StaleQuoteError(QuoteError):
    """Someone else saved the quote after the form was opened."""


class QuoteLineError(QuoteError):
    """A line that cannot be added or changed as asked (part, quantity, price, discount)."""
