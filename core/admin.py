"""Admin mixins and helpers: refused edits, read-only admins, actions that run a service."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from core.exceptions import AlreadyDoneError


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
