"""Quantities with their unit, as the unit allows (inventory.models.UNITS): `{% load unit_tags %}`.

`{{ line.quantity|unit_qty:line.unit }}` -> "2.500 kg", "40 pcs";
`{{ totals|per_unit }}` ({unit: quantity}) -> "40 pcs and 3.00 m". They format loaded values
only, never query."""

from django import template

from inventory.models import format_per_unit, format_unit_quantity

register = template.Library()


@register.filter
def unit_qty(value, unit: str) -> str:
    """A quantity with its unit's decimals and the unit; None or "" -> ""."""
    if value in (None, ""):
        return ""
    return format_unit_quantity(value, unit)


@register.filter
def per_unit(totals) -> str:
    """Quantities per unit, never added across units: "40 pcs and 3.00 m"."""
    return format_per_unit(dict(totals or {}))
