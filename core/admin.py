"""Admin mixins and helpers: refused edits, read-only admins, actions that run a service;
and the admin of core's attachments."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from core.attachment_views import download_response
from core.attachments import attachment_delete
from core.exceptions import AlreadyDoneError
from core.models import Attachment, EmailMessageLog, JobState
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


# --- attachments ---------------------------------------------------------------------------


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Every field read-only: files are added on the record's page or through the API, and
    deleted (softly) by the action, which keeps the file. Staff may download any attachment,
    deleted ones too, from its change page."""

    list_display = (
        "original_name",
        "category",
        "content_type",
        "object_id",
        "size",
        "content_type_sniffed",
        "uploaded_by",
        "uploaded_at",
        "is_deleted",
    )
    list_filter = ("category", "is_deleted", "content_type")
    search_fields = ("original_name", "sha256")
    list_select_related = ("content_type", "uploaded_by")
    date_hierarchy = "uploaded_at"
    actions = ["delete_softly"]
    fields = (
        "parent_link",
        "category",
        "original_name",
        "download",
        "size",
        "sha256",
        "content_type_sniffed",
        "stored_name",
        "uploaded_by",
        "uploaded_at",
        "is_deleted",
        "deleted_by",
        "deleted_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="attached to")
    def parent_link(self, obj):
        parent = obj.parent
        if parent is None:
            return "—"
        url = getattr(parent, "get_absolute_url", None)
        return format_html('<a href="{}">{}</a>', url(), parent) if url else str(parent)

    @admin.display(description="file")
    def download(self, obj):
        url = reverse("admin:core_attachment_content", args=[obj.pk])
        return format_html('<a href="{}">Download {}</a>', url, obj.original_name)

    def get_urls(self):
        content = self.admin_site.admin_view(self.content_view)
        return [
            path("<int:pk>/content/", content, name="core_attachment_content"),
            *super().get_urls(),
        ]

    def content_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return download_response(get_object_or_404(Attachment, pk=pk))

    @admin.action(
        description="Delete selected attachments (the files are kept)", permissions=["change"]
    )
    def delete_softly(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda row: attachment_delete(attachment=row, user=request.user),
            "deleted",
        )


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
