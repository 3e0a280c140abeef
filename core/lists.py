"""The list pages' shared base: a filtered, sortable table that counts its rows once, its
capped paginator, the streaming CSV export and the text filter that names a related record."""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from core.pickers import PickerTextInput, search_url_name

PAGE_SIZES = (25, 50, 100)


# Lists count their rows up to this many: past it, "1,000+ in all" and the pages up to it
# (40 pages of 25). Counting 1,001 rows costs about a tenth of counting 10,001 once a list is
# that long, and past a thousand rows a person filters or exports rather than pages.
COUNT_LIMIT = 1_000


def bounded_count(queryset, limit: int | None = None) -> int:
    """How many rows `queryset` has, counting at most `limit` (COUNT_LIMIT) + 1 of them
    (`SELECT COUNT(*) FROM (... LIMIT n)`): the same cost at 10,000 or 300,000 rows."""
    limit = COUNT_LIMIT if limit is None else limit
    return queryset.order_by().values("pk")[: limit + 1].count()


def bounded_label(count: int, limit: int | None = None) -> str:
    """A bounded count as a person reads it: "234", or "1,000+" past `limit`
    (COUNT_LIMIT)."""
    limit = COUNT_LIMIT if limit is None else limit
    return f"{limit:,}+" if count > limit else f"{count:,}"


class CappedPaginator(Paginator):
    """Honours `?per_page=` up to the largest of PAGE_SIZES, so no URL renders a whole table,
    and counts at most COUNT_LIMIT + 1 rows (`SELECT COUNT(*) FROM (... LIMIT n)`), so a list's
    count costs the same at 10,000 or 300,000 orders; `count_label` reads "1,000+" then.
    The pages cover the first COUNT_LIMIT + 1 rows: a filter (or the export, which streams
    every row) reaches the rest."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        per_page = min(max(int(per_page), 1), PAGE_SIZES[-1])
        super().__init__(object_list, per_page, *args, **kwargs)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        # A table's rows (django-tables2's BoundRows over its TableQuerysetData) count through
        # their queryset, bounded; counting the rows themselves would COUNT(*) them all.
        queryset = getattr(getattr(rows, "data", None), "data", rows)
        if hasattr(queryset, "order_by"):
            return bounded_count(queryset)
        return super().count

    @property
    def is_bounded(self) -> bool:
        return self.count > COUNT_LIMIT

    @property
    def count_label(self) -> str:
        return bounded_label(self.count)


class FilteredTableView(SingleTableMixin, FilterView):
    """django-filter's list view rendering a django-tables2 table, 25 rows a page by default.

    Only the table paginates: a ListView's own paginator would run a second
    `SELECT COUNT(*)` over the same filtered rows on every request."""

    per_page = PAGE_SIZES[0]
    paginate_by = None

    def get_table_pagination(self, table):
        return {"per_page": self.per_page, "paginator_class": CappedPaginator}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.page_sizes = PAGE_SIZES  # the "Rows per page" links of partials/table.html
        return table


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
EXPORT_CHUNK_ROWS = 2000


def csv_cell(value: Any) -> str:
    """A cell as text a spreadsheet shows and never runs: a leading =, +, -, @, tab or carriage
    return gets a single quote in front (a plain number such as -88.00 stays a number)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def text(value: Any) -> str:
    """The default export format: the stored value as text, None as an empty cell."""
    return "" if value is None else str(value)


class _Echo:
    """The file `csv.writer` writes to: hands each formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, one chunk of EXPORT_CHUNK_ROWS lines at a time."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([csv_cell(cell) for cell in row]))
        if len(chunk) >= EXPORT_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


class CsvExportMixin:
    """`?_export=csv` streams every filtered row, in the table's sort order; `export_query`
    links to it.

    The table class names how each exported column reads: `export_values = {column name:
    values() path, or (path, format)}`, format being a function of the stored value to the
    cell's text (`text` when only the path is given). The columns and their headers are the
    table's own: every column not excluded from export, in its order. Rows come from
    `.values_list(...).iterator()`: no model instances, no per-cell introspection, no COUNT,
    memory that does not grow with the number of rows."""

    export_trigger_param = "_export"
    export_formats = ("csv",)
    export_name = "table"

    def get(self, request, *args, **kwargs):
        if request.GET.get(self.export_trigger_param) != "csv":
            return super().get(request, *args, **kwargs)
        self.filterset = self.get_filterset(self.get_filterset_class())
        if self.filterset.is_bound and not self.filterset.is_valid():
            return super().get(request, *args, **kwargs)  # the list says what is wrong
        return self.export_csv(self.filterset.qs)

    def render_to_response(self, context, **response_kwargs):
        """Another `?_export=` is a 400 saying so; a CSV asked with a filter that does not
        parse is the list's (empty) export unless the view refuses it first."""
        export_format = self.request.GET.get(self.export_trigger_param)
        if export_format and export_format not in self.export_formats:
            return self.refuse(context, "This list exports as CSV only.", **response_kwargs)
        if export_format:
            return self.export_csv(self.object_list)
        return super().render_to_response(context, **response_kwargs)

    def refuse(self, context, message: str, **response_kwargs):
        """The list page (never the export) as a 400, with `message` at the top."""
        messages.error(self.request, message)
        response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)

    def export_columns(self) -> list[tuple[str, str, Callable[[Any], str]]]:
        """(header, values() path, format) of each exported column, in the table's order."""
        table_class = self.get_table_class()
        table = table_class(table_class._meta.model.objects.none())
        spec = {
            name: (way, text) if isinstance(way, str) else tuple(way)
            for name, way in table_class.export_values.items()
        }
        return [
            (str(column.header), *spec[column.name])
            for column in table.columns.iterall()
            if not column.column.exclude_from_export
        ]

    def export_queryset(self, queryset):
        """`queryset` in the order the table would show it (`?sort=`), then by pk."""
        table = self.get_table_class()(queryset, **self.get_table_kwargs())
        sort = self.request.GET.get(table.prefixed_order_by_field)
        if sort:
            table.order_by = sort
        ordered = table.data.data
        if ordered.query.order_by and "pk" not in ordered.query.order_by:
            ordered = ordered.order_by(*ordered.query.order_by, "pk")
        return ordered

    def export_csv(self, queryset) -> StreamingHttpResponse:
        columns = self.export_columns()
        paths = [path for _, path, _ in columns]
        formats = [fmt for _, _, fmt in columns]
        values = self.export_queryset(queryset).values_list(*paths)
        rows = (
            [fmt(value) for fmt, value in zip(formats, row, strict=True)]
            for row in values.iterator(chunk_size=EXPORT_CHUNK_ROWS)
        )
        response = StreamingHttpResponse(
            csv_stream([header for header, _, _ in columns], rows),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}.csv"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["_export"] = "csv"
        context["export_query"] = params.urlencode()
        return context


class StyledFilterSet(django_filters.FilterSet):
    """A filter form with Bootstrap's classes on every widget (`compact`: the small ones), for
    templates/partials/filter_form.html (inline) or filter_form_stacked.html (a side column)."""

    compact = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = " form-select-sm" if self.compact else ""
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            if isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = f"form-select{size}"
            else:
                css = "form-control" + (" form-control-sm" if self.compact else "")
            field.widget.attrs.setdefault("class", css)


class MatchFilter(django_filters.CharFilter):
    """A text box naming a related record by its code or part of its name.

    `queryset` must offer `matching(text)`. Rendering costs the same however many customers
    or parts exist (a `<select>` of every one grew with them); links use the code,
    e.g. `?customer=C-00042`. Where JavaScript runs, the box suggests codes as one types
    (the model's picker endpoint, see core.pickers)."""

    def __init__(self, *, queryset, placeholder: str, **kwargs):
        attrs = {"placeholder": placeholder, "size": 14}
        url = reverse_lazy(search_url_name(queryset.model))
        super().__init__(widget=PickerTextInput(attrs=attrs, search_url=url), **kwargs)
        self.related = queryset

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": self.related.matching(value)})
