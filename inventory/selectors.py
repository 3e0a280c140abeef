"""Reads of inventory's pages that reach past one model."""

from __future__ import annotations

from inventory.models import StockItem


def holding_orders(item: StockItem) -> list[str]:
    """References of the orders whose pending shipments hold stock from this item.

    Reads through the reverse relation `item.allocations`, whose manager carries the
    allocations' own `pending()` rule: inventory never names a higher app's status."""
    allocations = item.allocations.pending().select_related("line__order")
    return sorted({str(allocation.line.order) for allocation in allocations})
