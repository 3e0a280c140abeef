"""Domain errors of the inventory services: DomainErrors, so forms show them at their fields."""

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
