"""View mixins every app may use."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.exceptions import AlreadyDoneError
from core.filters import JobFilter
from core.forms import add_service_error
from core.lists import FilteredTableView
from core.models import JobState
from core.tables import JobTable
from core.tasks import job_retry


def report_refusal(request, error: ValidationError) -> None:
    """Show a service's refusal: as information when it only says the thing is already done
    (AlreadyDoneError: a double click), as an error otherwise."""
    text = " ".join(error.messages)
    if isinstance(error, AlreadyDoneError):
        messages.info(request, text)
    else:
        messages.error(request, text)


class ServiceFormMixin:
    """For a create/update/form view: `form_valid` hands the form to `call_service`, which
    returns the object the service wrote. A refusal (a ValidationError, so every DomainError)
    shows on the form, at the fields it names; otherwise `success_message` (formatted with
    `%(object)s`) is shown and the view redirects to `get_success_url()`."""

    success_message = ""

    def call_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.call_service(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return redirect(self.get_success_url())


CONFIRM_PAGE = "confirm_page.html"
CONFIRM_FORM = "partials/confirm_form.html"


def confirm_step(request, **context):
    """The confirmation step of an action that needs a reason or cannot be undone: GET only,
    changes nothing. The whole page without JavaScript; under htmx only its form, which
    static/app/app.js shows in a dialog. The form posts to the action's own POST view.

    Context (partials/confirm_form.html): title, text, action_url, button_label,
    button_style, hidden (name -> value), reason_label and reason_required (no reason box
    without a label), back_url, back_label, breadcrumbs ([(url, label)])."""
    template = CONFIRM_FORM if getattr(request, "htmx", False) else CONFIRM_PAGE
    return render(request, template, context)


class JobListView(PermissionRequiredMixin, FilteredTableView):
    """The Jobs page (Managers): background jobs that failed, with their last error, attempts
    and next attempt, and Retry."""

    permission_required = "core.view_jobstate"
    model = JobState
    table_class = JobTable
    filterset_class = JobFilter
    template_name = "core/job_list.html"

    def get_queryset(self):
        return JobState.objects.all()


class JobRetryView(PermissionRequiredMixin, View):
    """POST-only Retry of one failed job (core.tasks.job_retry)."""

    http_method_names = ["post"]
    permission_required = "core.change_jobstate"

    def post(self, request, pk):
        state = get_object_or_404(JobState, pk=pk)
        try:
            job_retry(state=state, user=request.user)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"Job {state} queued to run again now.")
        return redirect("job-list")
