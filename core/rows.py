"""A django-tables2 table's body rows, rendered in Python (`{% table_rows table %}` in
partials/table.html).

The markup is the template loop's (`<tr class="even|odd"><td {attrs} data-label="{header}">
{cell}</td>...</tr>`), and each cell is django-tables2's own (`BoundRow._get_and_render_with`:
accessor, `get_FOO_display`, empty values, `render_<column>`, `linkify`). What changes is that
what is the same for every row is worked out once per column, not once per cell: the render
method's signature (django-tables2 inspects it for every cell), the `<td>` attributes (a dict
merge, class sorting and escaping per cell in the loop) and the header. A column whose `<td>`
attributes are callables of the record still has them computed per cell.

A column whose accessor is an attribute of a model record (`reference`, `status`, most of
them) or of a record its foreign keys lead to (`order__reference`) reads it directly
(`get_FOO_display()` for a field with choices, as django-tables2 does): its accessor
resolves each part by trying `record[name]` first, an exception caught for every part of
every cell, and looks the fields up in the models' options again for each. Anything else (a
reverse relation or a method on the way, a dict record, a value that is callable) goes
through django-tables2's own `BoundRow._get_and_render_with`.

A link (`linkify`) whose URL is the record's (or its attribute's) `get_absolute_url()` or a
function of the record alone, with fixed `<a>` attributes, is written here too: the
attributes once per column, the URL per cell. django-tables2 merges and escapes the
attributes, resolves the accessor and inspects the URL function's signature for each cell.
Any other link (reverse arguments, attributes computed per record) is django-tables2's.

A CheckBoxColumn that is never checked, with fixed `<input>` attributes (the lists' bulk
selection), is written as a prefix, the escaped value and a suffix worked out once per column:
django-tables2 builds, merges and escapes its five attributes for every row.

The header row (`{% table_header table %}`) is written here too: each column's `<th>` with
its sort link, as django-tables2's bootstrap5 template writes them, the request's query
string copied once for all the links instead of once per column.
"""

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.template.base import render_value_in_context
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django_tables2.columns import CheckBoxColumn, ManyToManyColumn
from django_tables2.columns.base import LinkTransform
from django_tables2.utils import Accessor, AttributeDict, signature

from core.markup import escaped


def _td_attrs_vary(bound_column) -> bool:
    """Whether the column's `<td>` attributes are computed from the record (callables)."""
    table_attrs = bound_column._table.attrs or {}
    column_attrs = bound_column.column.attrs or {}
    td = column_attrs.get("td", column_attrs.get("cell", table_attrs.get("td", {})))
    return any(callable(value) for value in (td or {}).values())


_MISSING = object()


_SIGNATURES: dict[Any, tuple] = {}


def _signature_of(render) -> tuple:
    """django-tables2's `signature` of a column's render method, read once per method
    (inspect.signature takes longer than writing the column's cells)."""
    function = getattr(render, "__func__", None)
    if function is None:
        return signature(render)
    if function not in _SIGNATURES:
        _SIGNATURES[function] = signature(render)
    return _SIGNATURES[function]


@functools.lru_cache(maxsize=1024)
def _label(header: str) -> str:
    """A header's text for the cells' data-label: its markup stripped, escaped."""
    return escape(strip_tags(header))


class _Column:
    """What every cell of one bound column shares."""

    def __init__(self, bound_column) -> None:
        self.bound_column = bound_column
        self.name = bound_column.name
        self.render = bound_column.render
        self.link = bound_column.link
        self.default = bound_column.default
        args, catch_all = _signature_of(self.render)
        self.args = None if catch_all else args  # None: pass every optional argument
        self.varying_attrs = _td_attrs_vary(bound_column)
        # The header's text only: a header of markup (the select-all checkbox) would break
        # out of the attribute, taking its own attributes (hidden) onto every cell.
        label = _label(str(bound_column.header))
        self.open = "" if self.varying_attrs else self._open(label)
        self.label = label
        accessor = str(bound_column.accessor)
        plain = (
            accessor
            and "." not in accessor
            and not isinstance(bound_column.column, ManyToManyColumn)
        )
        # The accessor's parts ("order__reference": order, reference); None: django-tables2
        # reads the cell.
        self.parts = tuple(accessor.split(Accessor.SEPARATOR)) if plain else None
        self.empty_values = bound_column.column.empty_values
        self.record_type: type | None = None  # the model the parts were looked up on
        self.readable = False  # every part before the last is a foreign key of that model
        self.display: str | None = None  # the last part's get_FOO_display, for choices
        self.link_head, self.url_of = _plain_link(self.link, self.name)
        self.checkbox = _plain_checkbox(bound_column)

    def _learn(self, record) -> None:
        """How this column reads a record of this type (once per type and table): through
        the foreign keys its parts name, then the last part (its choice label when it is a
        field with choices). Any other path (a reverse relation, a method on the way) is
        django-tables2's."""
        self.record_type = type(record)
        self.readable = False
        model = type(record)
        *hops, last = self.parts
        for hop in hops:
            try:
                field = model._meta.get_field(hop)
            except FieldDoesNotExist:
                return
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                return
            model = field.related_model
        try:
            field = model._meta.get_field(last)
        except FieldDoesNotExist:
            field = None
        display = f"get_{last}_display"
        has_choices = getattr(field, "choices", ()) and hasattr(model, display)
        self.display = display if has_choices else None
        self.readable = True

    def cell(self, row):
        """The cell's content, as BoundRow._get_and_render_with makes it."""
        record = row.record
        if self.parts is not None and isinstance(record, models.Model):
            if type(record) is not self.record_type:
                self._learn(record)
            value = _MISSING
            if self.readable:
                target = record
                for hop in self.parts[:-1]:
                    try:
                        target = getattr(target, hop)
                    except ObjectDoesNotExist:  # django-tables2 swallows it the same way
                        target = None
                    if target is None:
                        break
                if target is None:  # a foreign key not set: django-tables2 finds no value
                    value = None
                elif self.display is not None:
                    value = getattr(target, self.display)()
                else:
                    value = getattr(target, self.parts[-1], _MISSING)
            if value is not _MISSING and not callable(value):
                if value in self.empty_values:
                    return self.default
                return self.render_func(row)(self.bound_column, value)
        return row._get_and_render_with(
            self.bound_column, render_func=self.render_func(row), default=self.default
        )

    def _open(self, label: str) -> str:
        return f'<td {self.bound_column.attrs["td"].as_html()} data-label="{label}">'

    def render_func(self, row) -> Callable[..., Any]:
        """BoundRow._call_render, with the signature read once."""

        def call(bound_column, value=None):
            if self.checkbox is not None and not self.link:
                head, tail = self.checkbox
                return mark_safe(f"{head}{escaped(value)}{tail}")
            kwargs = row._optional_cell_arguments(bound_column, value)
            if self.args is None:
                content = self.render(**kwargs)
            elif all(arg in kwargs for arg in self.args):
                content = self.render(**{arg: kwargs[arg] for arg in self.args})
            else:
                content = None
            if not self.link:
                return content
            if self.url_of is not None:
                url = self.url_of(row.record)
                if url is None:
                    return content
                if url is not _MISSING:
                    return mark_safe(f'{self.link_head}{escaped(url)}">{escaped(content)}</a>')
            return self.link(content, **kwargs)

        return call


def _plain_link(link, name: str) -> tuple[str, Callable[[Any], Any] | None]:
    """For a LinkTransform this module writes itself: the `<a ... href="` before the URL, and
    the record's URL as LinkTransform.compose_url finds it (_MISSING where only
    django-tables2 can tell). ("", None) for any other link."""
    if not isinstance(link, LinkTransform) or link.reverse_args:
        return "", None
    attrs = link.attrs or {}
    if "href" in attrs or any(callable(v) or isinstance(v, dict) for v in attrs.values()):
        return "", None
    fixed = AttributeDict(attrs).as_html()
    head = f'<a {fixed} href="' if fixed else '<a href="'
    if link.url is not None:
        if not callable(link.url) or signature(link.url) != (("record",), None):
            return "", None
        url = link.url
        return head, lambda record: url(record=record)
    attribute = link.accessor if link.accessor is not None else name
    if not attribute or Accessor.SEPARATOR in str(attribute) or "." in str(attribute):
        return "", None

    def url_of(record):
        if not isinstance(record, models.Model):
            return _MISSING
        target = getattr(record, attribute, _MISSING)
        if target is _MISSING or callable(target):
            return _MISSING
        if not hasattr(target, "get_absolute_url"):
            target = record
        get_url = getattr(target, "get_absolute_url", None)
        return get_url() if get_url is not None else _MISSING

    return head, url_of


def _plain_checkbox(bound_column) -> tuple[str, str] | None:
    """For a CheckBoxColumn this module writes itself: the `<input ...` up to its value and
    what follows the value, as CheckBoxColumn.render writes them. None for any other column
    (one that may be checked, a subclass's own render, attributes computed per record)."""
    column = bound_column.column
    if not isinstance(column, CheckBoxColumn) or column.checked is not None:
        return None
    if type(column).render is not CheckBoxColumn.render:
        return None
    attrs = column.attrs.get("td__input") or column.attrs.get("input") or {}
    fixed = ("type", "name", "value", "checked")
    if any(key in fixed for key in attrs) or any(callable(v) for v in attrs.values()):
        return None
    head = AttributeDict({"type": "checkbox", "name": bound_column.name}).as_html()
    rest = AttributeDict(attrs).as_html()
    return f'<input {head} value="', f'"{" " if rest else ""}{rest} />'


def _text(value: Any, context) -> str:
    """`{{ cell }}`: escaped unless safe; non-text values localised as the template would."""
    if isinstance(value, str):
        return escaped(value)
    return render_value_in_context(value, context)


def table_rows(table, context) -> SafeString:
    """The `<tr>` of each row on the table's current page (all rows when not paginated)."""
    columns = [_Column(bound_column) for bound_column in table.columns]
    html = []
    for row in table.paginated_rows:
        html.append(f"<tr {row.attrs.as_html()}>")
        for column in columns:
            cell = column.cell(row)
            if column.varying_attrs:
                column.bound_column.current_value = cell
                column.bound_column.current_record = row.record
                html.append(column._open(column.label))
            else:
                html.append(column.open)
            html.append(_text(cell, context))
            html.append("</td>")
        html.append("</tr>\n")
    return mark_safe("".join(html))


def table_header(table, context) -> SafeString:
    """The `<th>` of each column: its attributes and, for a sortable column, a link to the
    current query string with the table's sort field set to the column's next order."""
    params = dict(context["request"].GET)
    field = table.prefixed_order_by_field
    html = []
    for column in table.columns:
        header = _text(column.header, context)
        html.append(f'<th {column.attrs["th"].as_html()} scope="col">')
        if column.orderable:
            params[field] = column.order_by_alias.next
            url = escape("?" + urlencode(params, doseq=True))
            html.append(f'<a href="{url}">{header}</a>')
        else:
            html.append(f" {header} ")
        html.append("</th>\n")
    return mark_safe("".join(html))
