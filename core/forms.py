"""Form helpers: showing a service's refusal on a form, and the crispy-forms helper."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import normalize_newlines

from core.models import Attachment


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's error at the form fields it names, the rest at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class MultilineField(forms.CharField):
    """Text over several lines (an address, notes) in a textarea. Browsers post line ends as
    CRLF; they are kept as LF, so saving a form without touching the text changes nothing and
    "what changed" (the admin's log, an order's history) names only what really changed."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if value else value


class IsoDateInput(forms.DateInput):
    """Every form's date: the browser's date picker (`<input type="date">`), whose value is
    always ISO 8601 (2027-01-10) both ways, whatever settings.DATE_DISPLAY_FORMAT shows.
    core.apps makes it the widget of every forms.DateField (and so of every model form's and
    filter's date), so no form names it."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_DATE)


ISO_DATE = "%Y-%m-%d"


def use_iso_date_inputs() -> None:
    """Make IsoDateInput the default widget of forms.DateField (once, at start-up); the admin
    keeps its own date widget, which it names."""
    forms.DateField.widget = IsoDateInput


# For a ModelForm's Meta.field_classes, or a ModelAdmin's formfield_overrides.
MULTILINE_OVERRIDES = {models.TextField: {"form_class": MultilineField}}


class CrispyFormMixin:
    """Gives a form its crispy-forms `helper`.

    With `submit_label`, `{% crispy form %}` renders the whole form with that Submit button
    and a Cancel link beside it (templates/partials/form_cancel.html: the view's `cancel_url`,
    else the object the page is about); without, the template writes the `<form>` tag and
    buttons itself (`form_tag` is off). `cancel_link = False` leaves Cancel out."""

    submit_label: str = ""
    cancel_link: bool = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        if self.submit_label:
            self.helper.add_input(Submit("submit", self.submit_label))
            self.helper.cancel_link = self.cancel_link
        else:
            self.helper.form_tag = False


class AttachmentForm(forms.Form):
    """Upload one attachment. `refusals` (core.uploads.upload_refusals(request)) carries the
    sentence for a file skipped while it streamed in because it was too large."""

    ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.txt,.csv,.xlsx,.docx"

    category = forms.ChoiceField(choices=(), initial="other")
    file = forms.FileField(
        allow_empty_file=True,  # the service refuses an empty file with its own sentence
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, refusals: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusals = refusals or {}
        self.fields["category"].choices = Attachment.Category.uploadable()
        self.fields["category"].initial = Attachment.Category.OTHER

    def clean(self):
        refused = self.refusals.get("file")
        if refused:
            self.errors.pop("file", None)  # "required": the file was skipped for its size
            self.add_error("file", refused)
        return self.cleaned_data
