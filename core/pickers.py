"""Pickers: a text box that names one record (a customer, a part) by its code or name.

Without JavaScript the box is posted as typed and the field resolves it: an exact code, or the
one record whose code or name contains the text, is selected; several matches come back as a
short list to pick from. With JavaScript the box asks the model's search endpoint (htmx) for
suggestions as one types, and picking one posts its primary key.

A model whose records are picked offers `suggest(text)` on its QuerySet (code or name contains
the text, annotated `exact_code`, exact code first) and a search endpoint named
`<app_label>:<model_name>-search` (a `PickerSearchView`).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Q, When
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.views import View

# Suggestions shown at once (and the most matches listed for a typed text): enough to
# recognise the one meant, few enough to read.
PICKER_LIMIT = 10


class SearchText(str):
    """What a person typed into a picker's box, still to be resolved to a record."""


def clean_text(value: str) -> str:
    """Typed text as it is searched: trimmed, at most 100 characters, no NUL (which no
    database column holds)."""
    return value.replace("\x00", "").strip()[:100]


def search_url_name(model) -> str:
    """The URL name of the search endpoint of `model`: `customers:customer-search`."""
    return f"{model._meta.app_label}:{model._meta.model_name}-search"


def suggestions(queryset, text: str, *, code: str):
    """`queryset` narrowed to the records whose `code` field or name contains `text` (any
    case), annotated `exact_code`, the record whose code is `text` first, then by code."""
    exact = Q(**{f"{code}__iexact": text})
    return (
        queryset.filter(Q(**{f"{code}__icontains": text}) | Q(name__icontains=text))
        .annotate(
            exact_code=Case(When(exact, then=True), default=False, output_field=BooleanField())
        )
        .order_by("-exact_code", code, "pk")
    )


def pick(queryset, text: str, *, limit: int = PICKER_LIMIT) -> tuple[object | None, list]:
    """The record `text` names in `queryset`, and the first `limit` candidates: one query.

    Named means: its code is `text` (any case), or it is the only record whose code or name
    contains `text`. None when nothing or several match."""
    matches = list(queryset.suggest(text)[:limit])
    if matches and (len(matches) == 1 or matches[0].exact_code):
        return matches[0], matches
    return None, matches


def _with_query(url: str, params: dict) -> str:
    return f"{url}?{urlencode(params)}" if params else url


class PickerWidget(forms.Widget):
    """A search box (`<name>_q`) with the chosen record's key (`<name>`) beside it.

    The key is kept only while the box still shows the label it was picked with
    (`<name>_label`): typing something else searches again."""

    template_name = "core/widgets/picker.html"

    def __init__(self, attrs=None, *, search_url="", placeholder=""):
        super().__init__(attrs)
        self.search_url = search_url
        self.placeholder = placeholder
        self.matches: list = []  # candidates of an ambiguous text, set by PickerField
        self.choices = None  # PickerField's ModelChoiceIterator (for the label of a key)

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.matches = []
        return copy

    def value_from_datadict(self, data, files, name):
        key = data.get(name, "")
        text = data.get(f"{name}_q")
        if text is None:  # a post that names the key only (links, API-like clients, tests)
            return key or None
        if key and text.strip() == data.get(f"{name}_label", "").strip():
            return key
        return SearchText(text)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_q" not in data

    def chosen(self, value):
        """The record a rendered value stands for (one query for a key), or None."""
        if value in (None, "") or isinstance(value, SearchText):
            return None
        if hasattr(value, "_meta"):
            return value
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            return None
        try:
            return queryset.filter(pk=value).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        record = self.chosen(value)
        text = value if isinstance(value, SearchText) else (str(record) if record else "")
        context["widget"].update(
            search_url=str(self.search_url),
            placeholder=self.placeholder,
            text=text,
            key=record.pk if record else "",
            label=str(record) if record else text,
            matches=self.matches,
        )
        return context


class PickerField(forms.ModelChoiceField):
    """A ModelChoiceField typed as a code or name (see the module's docstring).

    `search_params` go to the search endpoint with the text (e.g. `{"salable": "1"}`); the
    queryset the field accepts should be the one the endpoint searches with them."""

    widget = PickerWidget
    default_error_messages = {
        "no_match": "Nothing matches “%(text)s”. Type a code or part of a name.",
        "ambiguous": "“%(text)s” matches %(count)s; pick one below or type more.",
    }

    def __init__(self, queryset, *, search_params=None, placeholder="Code or name", **kwargs):
        super().__init__(queryset, **kwargs)
        url = lazy(_with_query, str)(
            reverse_lazy(search_url_name(queryset.model)), search_params or {}
        )
        self.widget.search_url = url
        self.widget.placeholder = placeholder

    def to_python(self, value):
        if not isinstance(value, SearchText):
            return super().to_python(value)
        text = clean_text(value)
        if not text:
            return None
        found, matches = pick(self.queryset, text)
        if found is not None:
            return found
        self.widget.matches = matches
        if not matches:
            raise ValidationError(
                self.error_messages["no_match"], code="no_match", params={"text": text}
            )
        count = f"{len(matches)}+" if len(matches) >= PICKER_LIMIT else str(len(matches))
        raise ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={"text": text, "count": count},
        )


class PickerTextInput(forms.TextInput):
    """A filter's text box (the text is the filter) that suggests codes as one types."""

    template_name = "core/widgets/picker_text.html"

    def __init__(self, attrs=None, *, search_url=""):
        super().__init__(attrs)
        self.search_url = search_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = str(self.search_url)
        return context


class PickerSearchView(PermissionRequiredMixin, View):
    """The search endpoint of a picker: `?q=text` (and the subclass's own parameters).

    Answers an htmx request with the suggestions as HTML (core/picker_suggestions.html),
    anything else with JSON: `{"query", "results": [{"id", "code", "name", "label",
    "detail"}], "more"}`. One query, whatever the number of records."""

    http_method_names = ["get", "head"]
    limit = PICKER_LIMIT
    template_name = "core/picker_suggestions.html"

    def get_queryset(self):
        raise NotImplementedError

    def row(self, record) -> dict:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        text = clean_text(request.GET.get("q", ""))
        rows = []
        if text:
            rows = [self.row(each) for each in self.get_queryset().suggest(text)[: self.limit + 1]]
        more, rows = len(rows) > self.limit, rows[: self.limit]
        if getattr(request, "htmx", False):
            context = {"query": text, "results": rows, "more": more}
            return render(request, self.template_name, context)
        return JsonResponse({"query": text, "results": rows, "more": more})
