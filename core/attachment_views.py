"""The attachment pages of any record: upload, download and delete, under its own URL.

An app gives a model attachments on its pages with `attachment_urls(Model)` in its
urlpatterns (URL names attachment-add, attachment-download, attachment-delete in its
namespace), `attachment_section(parent=..., user=..., namespace=...)` in the page's context
as `attachments`, and `{% include "core/attachments.html" with section=attachments %}`.
An app with a history of its own subclasses the add/delete views and overrides
`add_attachment` / `delete_attachment` to call its own service.

Viewing the parent is needed to download; changing it to upload or delete. A deleted
attachment, or one of another record, is a 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views import View
from django.views.generic import FormView

from core import attachments as services
from core.forms import AttachmentForm, add_service_error
from core.models import Attachment
from core.once import SubmitOnceMixin
from core.uploads import upload_refusals
from core.views import confirm_step, report_refusal


def download_response(attachment: Attachment) -> FileResponse:
    """The stored file, streamed, as a download under its (sanitised) original name:
    Content-Disposition attachment (RFC 6266, filename* for non-ASCII names), the sniffed
    content type, nosniff, and never cached."""
    response = FileResponse(
        services.attachment_open(attachment),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type_sniffed,
    )
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class AttachmentParentMixin(PermissionRequiredMixin):
    """Finds the parent (`pk` in the URL) after checking the parent's permission."""

    parent_model = None
    parent_action = "view"

    def get_permission_required(self):
        return [services.parent_permission(self.parent_model, self.parent_action)]

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.parent = get_object_or_404(self.parent_model._default_manager.all(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_attachment(self) -> Attachment:
        queryset = Attachment.objects.live().of(self.parent)
        return get_object_or_404(queryset, pk=self.kwargs["attachment_pk"])

    def back_url(self) -> str:
        return f"{self.parent.get_absolute_url()}#attachments"

    def get_context_data(self, **kwargs):
        return super().get_context_data(parent=self.parent, back_url=self.back_url(), **kwargs)


class AttachmentAddView(SubmitOnceMixin, AttachmentParentMixin, FormView):
    """GET: the upload form on a page of its own (the parent's page has it too); POST: attach
    the file and go back to the parent, or show the form with the refusal at the field."""

    parent_action = "change"
    form_class = AttachmentForm
    template_name = "core/attachment_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "refusals": upload_refusals(self.request)}

    def add_attachment(self, *, uploaded_file, category: str) -> Attachment:
        return services.attachment_add(
            parent=self.parent,
            uploaded_file=uploaded_file,
            category=category,
            user=self.request.user,
        )

    def form_valid(self, form):
        try:
            attachment = self.add_attachment(
                uploaded_file=form.cleaned_data["file"], category=form.cleaned_data["category"]
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Attached {attachment.original_name} ({attachment.get_category_display()}).",
        )
        return redirect(self.back_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Attach a file to {self.parent}", **kwargs)


class AttachmentDownloadView(AttachmentParentMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        return download_response(self.get_attachment())


class AttachmentDeleteView(AttachmentParentMixin, View):
    """GET: the confirmation step (changes nothing); POST: mark the attachment deleted."""

    parent_action = "change"
    http_method_names = ["get", "post"]

    def delete_attachment(self, attachment: Attachment) -> None:
        services.attachment_delete(attachment=attachment, user=self.request.user)

    def get(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        return confirm_step(
            request,
            title=f"Delete {attachment.original_name}?",
            text=(
                f"It leaves the attachments of {self.parent}; the file is kept and an "
                "administrator can still see it."
            ),
            action_url=request.path,
            button_label="Delete Attachment",
            button_style="danger",
            hidden={},
            back_url=self.back_url(),
            breadcrumbs=[(self.back_url(), str(self.parent))],
        )

    def post(self, request, *args, **kwargs):
        attachment = get_object_or_404(
            Attachment.objects.of(self.parent), pk=self.kwargs["attachment_pk"]
        )
        try:
            self.delete_attachment(attachment)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"Deleted {attachment.original_name}.")
        return redirect(self.back_url())


def attachment_urls(
    parent_model,
    *,
    prefix: str = "<int:pk>/attachments/",
    add_view=AttachmentAddView,
    download_view=AttachmentDownloadView,
    delete_view=AttachmentDeleteView,
) -> list:
    """The three attachment URLs of `parent_model`'s pages, for the app's urlpatterns."""
    options = {"parent_model": parent_model}
    return [
        path(f"{prefix}add/", add_view.as_view(**options), name="attachment-add"),
        path(
            f"{prefix}<int:attachment_pk>/",
            download_view.as_view(**options),
            name="attachment-download",
        ),
        path(
            f"{prefix}<int:attachment_pk>/delete/",
            delete_view.as_view(**options),
            name="attachment-delete",
        ),
    ]
