"""The suggested unit price of a part for a quantity, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.numbers import format_quantity
from inventory.models import Part, PriceBreak


@dataclass(frozen=True)
class PriceSuggestion:
    unit_price: Decimal
    source: str  # "list" or "break"
    label: str  # e.g. "List price", "Price break: min qty 10"
    price_break: PriceBreak | None = None


def suggest_unit_price(part: Part, quantity: Decimal | int | str) -> PriceSuggestion:
    """The price break with the largest minimum quantity not above `quantity`, else list price.

    Reads `part.price_breaks.all()`, so it costs no query when the breaks were prefetched.
    """
    quantity = Decimal(quantity)
    best: PriceBreak | None = None
    for price_break in part.price_breaks.all():
        if price_break.min_quantity <= quantity and (
            best is None or price_break.min_quantity > best.min_quantity
        ):
            best = price_break
    if best is None:
        return PriceSuggestion(unit_price=part.list_price, source="list", label="List price")
    return PriceSuggestion(
        unit_price=best.unit_price,
        source="break",
        label=f"Price break: min qty {format_quantity(best.min_quantity)}",
        price_break=best,
    )
