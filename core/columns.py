"""django-tables2 columns every list shares. Cells render in Python: a TemplateColumn (and
django-tables2's DateColumn, which is one) compiles its template again for every cell, which
was most of the time a list page took to render."""

import datetime
from decimal import Decimal

import django_tables2 as tables
from django.utils import timezone

from core.badges import Badges
from core.numbers import (
    format_date,
    format_datetime,
    format_money,
    format_quantity,
    format_unit_price,
    format_unit_quantity_number,
)

NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def iso_date(value) -> str:
    """A date as YYYY-MM-DD; a datetime in the current time zone as YYYY-MM-DD HH:MM (what
    CSV exports hold)."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def plain_decimal(value) -> str:
    """A number for a CSV export: 1581.56, 2.5, never "1,581.56" or 1E+1."""
    if value in (None, ""):
        return ""
    return format(Decimal(value), "f")


class DateColumn(tables.Column):
    """A date as every page shows it (settings.DATE_DISPLAY_FORMAT, "10 Jan 2027"), never
    wrapped; ISO (2027-01-10) in the CSV export."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_date(value)

    def value(self, value):
        return iso_date(value)


class DateTimeColumn(DateColumn):
    """A date and time (settings.DATETIME_DISPLAY_FORMAT, current time zone); ISO in CSV."""

    def render(self, value):
        return format_datetime(value)


# The name the lists used before dates followed settings.DATE_DISPLAY_FORMAT.
IsoDateColumn = DateColumn


class QuantityColumn(tables.Column):
    """A quantity with its unit's decimals (`unit="unit"`: the accessor of the record's unit;
    pcs "40", kg "1.500"), or as people write it without one (10, 2.5), right-aligned. The CSV
    export has the plain number."""

    def __init__(self, *args, unit: str | None = None, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)
        self.unit = unit

    def _unit(self, record):
        return tables.A(self.unit).resolve(record, quiet=True) if self.unit and record else None

    def render(self, value, record=None):
        return format_unit_quantity_number(value, self._unit(record))

    def value(self, value, record=None):
        return format_quantity(value)


class MoneyColumn(tables.Column):
    """An amount with its currency as every page shows it ("1,581.56 EUR"), right-aligned.
    `currency` is the accessor of the record's currency ("currency") or, with `fixed=True`,
    the code itself (a base-currency column). The CSV export has the plain number."""

    def __init__(self, *args, currency: str = "currency", fixed: bool = False, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)
        self.currency, self.fixed = currency, fixed

    def _currency(self, record):
        if self.fixed:
            return self.currency
        return tables.A(self.currency).resolve(record, quiet=True) if record else None

    def render(self, value, record=None):
        return format_money(value, self._currency(record))

    def value(self, value, record=None):
        return plain_decimal(value)


class UnitPriceColumn(MoneyColumn):
    """A unit price (up to 4 decimals, trailing zeros trimmed to the currency's digits)."""

    def render(self, value, record=None):
        return format_unit_price(value, self._currency(record))


class BadgeColumn(tables.Column):
    """A status as a badge (core.badges), its label in the CSV export.

    Reads the raw value through the column's accessor, so the badge's CSS class comes from the
    stored value, not from the label django-tables2 would show for a choice field."""

    def __init__(self, badges: Badges, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.badges = badges

    def _raw(self, record, bound_column):
        return tables.A(bound_column.accessor).resolve(record, quiet=True)

    def render(self, record, bound_column):
        return self.badges.render(self._raw(record, bound_column))

    def value(self, record, bound_column):
        return self.badges.label(self._raw(record, bound_column))
