"""django-tables2 columns every list shares. Cells render in Python: a TemplateColumn (and
django-tables2's DateColumn, which is one) compiles its template again for every cell, which
was most of the time a list page took to render."""

import datetime

import django_tables2 as tables
from django.utils import timezone

from core.badges import Badges
from core.numbers import format_quantity

NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def iso_date(value) -> str:
    """A date as YYYY-MM-DD; a datetime in the current time zone as YYYY-MM-DD HH:MM."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


class IsoDateColumn(tables.Column):
    """A date as YYYY-MM-DD (a datetime adds HH:MM in the current time zone), never wrapped."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return iso_date(value)

    def value(self, value):
        return iso_date(value)


class QuantityColumn(tables.Column):
    """A quantity as people write it (10, 2.5; core.numbers.format_quantity), right-aligned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_quantity(value)

    def value(self, value):
        return format_quantity(value)


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
