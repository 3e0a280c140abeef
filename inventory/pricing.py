"""The suggested unit price of a part for a quantity, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from core.currency import from_base_unit_price
from core.numbers import format_quantity
from inventory.models import Part, PriceBreak, PriceListPrice


@dataclass(frozen=True)
class PriceSuggestion:
    unit_price: Decimal
    source: str  # "list", "break", "price_list" or "conversion"
    label: str  # e.g. "List price", "Price break: min qty 10"
    price_break: PriceBreak | None = None


def _best(rows, quantity: Decimal):
    """The row with the largest minimum quantity not above `quantity`, or None."""
    best = None
    for row in rows:
        if row.min_quantity <= quantity and (best is None or row.min_quantity > best.min_quantity):
            best = row
    return best


def suggest_unit_price(part: Part, quantity: Decimal | int | str) -> PriceSuggestion:
    """The price break with the largest minimum quantity not above `quantity`, else list price:
    the part's price in the base currency.

    Reads `part.price_breaks.all()`, so it costs no query when the breaks were prefetched.
    """
    quantity = Decimal(quantity)
    best: PriceBreak | None = _best(part.price_breaks.all(), quantity)
    if best is None:
        return PriceSuggestion(unit_price=part.list_price, source="list", label="List price")
    return PriceSuggestion(
        unit_price=best.unit_price,
        source="break",
        label=f"Price break: min qty {format_quantity(best.min_quantity)}",
        price_break=best,
    )


def suggest_price_in(
    part: Part,
    quantity: Decimal | int | str,
    *,
    currency: str,
    rate: Decimal,
    customer_id: int | None = None,
) -> PriceSuggestion:
    """The unit price of `part` for `quantity` in `currency` (worth `rate` base units):

    1. the customer's own active price list in that currency, then
    2. the active price list of that currency (for every customer), by their price breaks;
    3. in the base currency, the part's list price or price break; in another currency that
       price converted at `rate`, rounded half-up to 4 decimal places.
    One query for the price lists (none in the base currency without lists); the part's
    breaks as suggest_unit_price reads them."""
    quantity = Decimal(quantity)
    prices = list(
        PriceListPrice.objects.filter(
            Q(price_list__customer_id=customer_id) | Q(price_list__customer__isnull=True),
            part_id=part.pk,
            price_list__currency=currency,
            price_list__active=True,
        ).select_related("price_list")
    )
    for own in (True, False):
        rows = [p for p in prices if (p.price_list.customer_id is not None) == own]
        best = _best(rows, quantity)
        if best is not None:
            label = f"Price list {best.price_list.name}"
            if best.min_quantity > 1:
                label += f": min qty {format_quantity(best.min_quantity)}"
            return PriceSuggestion(unit_price=best.unit_price, source="price_list", label=label)
    base = suggest_unit_price(part, quantity)
    if currency == settings.BASE_CURRENCY:
        return base
    return PriceSuggestion(
        unit_price=from_base_unit_price(base.unit_price, rate),
        source="conversion",
        label=f"{base.label}, converted from {settings.BASE_CURRENCY}",
        price_break=base.price_break,
    )
