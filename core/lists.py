"""The list pages' shared base: a filtered, sortable table that counts its rows once, its
capped paginator, the CSV export and the text filter that names a related record."""

import django_filters
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.urls import reverse_lazy
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export.views import ExportMixin

from core.pickers import PickerTextInput, search_url_name

PAGE_SIZES = (25, 50, 100)


class CappedPaginator(Paginator):
    """Honours `?per_page=` up to the largest of PAGE_SIZES, so no URL renders a whole table."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        per_page = min(max(int(per_page), 1), PAGE_SIZES[-1])
        super().__init__(object_list, per_page, *args, **kwargs)


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


class CsvExportMixin(ExportMixin):
    """`?_export=csv` downloads every filtered row; `export_query` links to it."""

    export_formats = ("csv",)

    def render_to_response(self, context, **response_kwargs):
        """Another `?_export=` is a 400 saying so. django-tables2 would try any format tablib
        names (xlsx, whose package is not installed, is a server error)."""
        export_format = self.request.GET.get(self.export_trigger_param)
        if export_format and export_format not in self.export_formats:
            return self.refuse(context, "This list exports as CSV only.", **response_kwargs)
        return super().render_to_response(context, **response_kwargs)

    def refuse(self, context, message: str, **response_kwargs):
        """The list page (never the export) as a 400, with `message` at the top."""
        messages.error(self.request, message)
        response_kwargs["status"] = 400
        return super(ExportMixin, self).render_to_response(context, **response_kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["_export"] = "csv"
        context["export_query"] = params.urlencode()
        return context


class StyledFilterSet(django_filters.FilterSet):
    """A filter form with Bootstrap's classes on every widget (`compact`: the small ones)."""

    compact = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = " form-select-sm" if self.compact else ""
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.Select):
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
