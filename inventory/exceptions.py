"""Domain errors of the inventory services.

They subclass Django's ValidationError so a form can show them where they belong:
`form.add_error(None, error)` puts an error raised with a dict at the named fields, and a plain
message at the top of the form. `str(error)` is the sentence a person reads.
"""

from core.exceptions import DomainError


class InventoryError(DomainError):
    """A stock operation was refused; nothing was written."""


class StockQuantityError(InventoryError):
    """A quantity that makes no sense: zero or negative, or not 1 for a serialised item."""


class DuplicateSerialError(InventoryError):
    """The part already has a stock item with this serial number."""


class StockAllocatedError(InventoryError):
    """The stock is allocated to pending shipments, so the change would break those orders."""


class StockUnchangedError(InventoryError):
    """The requested change would change nothing (same quantity, place or status)."""
