"""Admin mixins and helpers: refused edits, read-only admins, actions that run a service."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from core.exceptions import AlreadyDoneError
from core.models import EmailMessageLog, JobState
from core.tasks import job_retry


class EditRefused(Exception):
    """A service refused the admin's save; carries the reason."""


@contextmanager
def refuse_edit_on_error() -> Iterator[None]:
    """In `save_model`/`save_formset`: a service's ValidationError (every DomainError is one)
    becomes EditRefused, which RefusedEditMixin turns into "Not saved: <reason>"."""
    try:
        yield
    except ValidationError as error:
        raise EditRefused(" ".join(error.messages)) from error


class RefusedEditMixin:
    """For a ModelAdmin whose save raises EditRefused when a service refuses: the refusal
    leaves the admin's transaction, so nothing of the save lands (inlines, log entry), and the
    form comes back with "Not saved: <reason>" instead of "changed successfully"."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditRefused as refused:
            self.message_user(request, f"Not saved: {refused}", messages.ERROR)
            return HttpResponseRedirect(request.path)


class ReadOnlyAdminMixin:
    """Nothing is added, changed or deleted here: the rows are written by services (a ledger,
    history, computed lines). Works on a ModelAdmin and on an inline alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_each(
    modeladmin,
    request,
    queryset,
    service_call: Callable[[Any], Any],
    done_verb: str,
    *,
    noun: str = "",
) -> int:
    """An admin action's loop: `service_call(row)` for each selected row in primary-key order
    (the lock order), each in its own transaction (the service's).

    A refusal (a ValidationError, so every DomainError) is shown as an error naming the row
    unless its sentence already does (as information when the row already was so: an
    AlreadyDoneError); the rest go ahead. Then "N <noun>(s) <done_verb>." when
    any succeeded. `noun` defaults to the model's verbose name. Returns how many succeeded."""
    noun = noun or str(queryset.model._meta.verbose_name)
    done = 0
    for row in queryset.order_by("pk"):
        try:
            service_call(row)
        except ValidationError as error:
            sentence = " ".join(error.messages)
            if str(row) not in sentence:
                sentence = f"{row}: {sentence}"
            level = messages.INFO if isinstance(error, AlreadyDoneError) else messages.ERROR
            modeladmin.message_user(request, sentence, level)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} {noun}(s) {done_verb}.", messages.SUCCESS)
    return done


# --- background jobs and emails --------------------------------------------------------------


@admin.register(JobState)
class JobStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The failed jobs, as on the Jobs page; Retry runs core.tasks.job_retry. Every attempt's
    task row is under "Tasks Database Backend" (django-tasks-db's own admin)."""

    list_display = [
        "task_name",
        "status",
        "attempts",
        "max_attempts",
        "error_summary",
        "next_attempt_at",
        "updated_at",
    ]
    list_filter = ["status", "task_path"]
    search_fields = ["job_id", "current_result_id", "last_error"]
    readonly_fields = [field.name for field in JobState._meta.fields]
    actions = ["retry"]

    def has_change_permission(self, request, obj=None):
        # Read-only form, but the Retry action needs the change permission.
        return obj is None and request.user.has_perm("core.change_jobstate")

    @admin.action(description="Retry the selected jobs now", permissions=["change"])
    def retry(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda row: job_retry(state=row, user=request.user),
            "queued to run again",
            noun="job",
        )


@admin.register(EmailMessageLog)
class EmailMessageLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["requested_at", "kind", "recipient", "status", "emailed_at", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "request_token"]
    list_select_related = ["content_type"]
