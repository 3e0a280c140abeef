"""Attachments of any record: the services that add and delete them, name sanitising, the
private storage, the permissions they follow (the parent's) and the page section's data.

The app that owns the parent decides what else happens: salesorders records an order event
by wrapping these services in its own (salesorder_attachment_add), in the same transaction.
"""

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from core.exceptions import AlreadyDoneError, DomainError
from core.forms import AttachmentForm
from core.models import Attachment
from core.sniff import ContentSniffer
from core.uploads import too_large_sentence

STORAGE_ALIAS = "attachments"
MAX_NAME_LENGTH = 200
CHUNK_BYTES = 64 * 1024
FALLBACK_NAME = "attachment"
# Characters Windows, shells or a Content-Disposition header treat specially.
_UNSAFE = re.compile(r'[<>:"/\\|?*;]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in "123456789"
}


class AttachmentError(DomainError):
    """An attachment was refused (too large, not an allowed kind, nothing sent)."""


def attachment_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def sanitise_name(name: str) -> str:
    """The uploaded name made safe to show and to offer as a download name: its last path
    part only, NFC-normalised, without control or format characters (bidi overrides), with
    the characters Windows and headers treat specially replaced, no leading dots or spaces,
    at most MAX_NAME_LENGTH characters keeping the extension."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn") or char.isspace()
    )
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    extension = extension[:20]
    room = MAX_NAME_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip(" .")
    if not stem:
        return FALLBACK_NAME + (f".{extension}" if extension else "")
    return f"{stem}.{extension}" if extension else stem


def _stored_name(extension: str) -> str:
    today = timezone.now()
    return f"{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"


# --- services ------------------------------------------------------------------------------


def attachment_add(
    *, parent: models.Model, uploaded_file, category: str, user: AbstractBaseUser
) -> Attachment:
    """Attach `uploaded_file` (a Django File: an upload, or any file opened in binary) to
    `parent`. Reads the file once in chunks (size, SHA-256 and the content check, so never
    all of it in memory), refuses it unless it is at most ATTACHMENT_MAX_BYTES and of an
    allowed kind (core.sniff), then stores it under a random name and writes the row, in the
    caller's transaction when there is one. Locks nothing.

    Raises AttachmentError (at `file`) or UnsupportedContent (at `file`) with the sentence;
    nothing is stored then. A row that fails to save takes its stored file with it."""
    if uploaded_file is None:
        raise AttachmentError({"file": ["Choose a file to attach."]})
    if category not in Attachment.Category.values:
        allowed = ", ".join(label for _, label in Attachment.Category.choices)
        raise AttachmentError({"category": [f"Choose a category: {allowed}."]})
    name = sanitise_name(getattr(uploaded_file, "name", "") or "")
    digest, sniffer, size = hashlib.sha256(), ContentSniffer(), 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(CHUNK_BYTES):
        size += len(chunk)
        if size > settings.ATTACHMENT_MAX_BYTES:
            raise AttachmentError({"file": [too_large_sentence(name)]})
        digest.update(chunk)
        sniffer.feed(chunk)
    sniffed = sniffer.result(uploaded_file, name=name)
    uploaded_file.seek(0)
    storage = attachment_storage()
    stored = storage.save(_stored_name(sniffed.extension), uploaded_file)
    try:
        with transaction.atomic():
            return Attachment.objects.create(
                parent=parent,
                category=category,
                original_name=name,
                stored_name=stored,
                size=size,
                sha256=digest.hexdigest(),
                content_type_sniffed=sniffed.content_type,
                uploaded_by=user,
            )
    except BaseException:
        storage.delete(stored)
        raise


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user: AbstractBaseUser) -> Attachment:
    """Mark an attachment deleted (who and when): it leaves the lists and downloads, the row
    and the file stay. Locks the attachment's row.

    Raises AlreadyDoneError when it already is deleted, AttachmentError for a generated
    document (the copy of what was issued, kept with its record)."""
    locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if locked.is_deleted:
        raise AlreadyDoneError(f"{locked} was already deleted.")
    if not locked.can_delete():
        raise AttachmentError(
            f"{locked} is the document as it was issued; it stays with its record."
        )
    locked.is_deleted, locked.deleted_by, locked.deleted_at = True, user, timezone.now()
    locked.save(update_fields=["is_deleted", "deleted_by", "deleted_at"])
    attachment.is_deleted, attachment.deleted_by = True, user
    attachment.deleted_at = locked.deleted_at
    return locked


def attachment_open(attachment: Attachment):
    """The stored file, opened for reading (a FileResponse streams and closes it)."""
    return attachment_storage().open(attachment.stored_name, "rb")


# --- permissions: the parent's -------------------------------------------------------------


def parent_permission(model: type[models.Model], action: str) -> str:
    """ "app.view_model" / "app.change_model": viewing the parent lets a person list and
    download its attachments; changing it lets them add and delete."""
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def may_view(user, parent_model) -> bool:
    return user.has_perm(parent_permission(parent_model, "view"))


def may_change(user, parent_model) -> bool:
    return user.has_perm(parent_permission(parent_model, "change"))


# --- the page section ----------------------------------------------------------------------


def url_maker(name: str, parent_pk: int) -> Callable[[int], str]:
    """The URL `name` (args: parent pk, attachment pk) of any attachment: one reverse()."""
    marker = "987654321"
    head, tail = reverse(name, args=[parent_pk, marker]).rsplit(marker, 1)
    return lambda pk: f"{head}{pk}{tail}"


@dataclass
class AttachmentSection:
    """What core/attachments.html shows: the live attachments (each with `download_url` and
    `delete_url`), the upload form when the user may change the parent, and its URL."""

    attachments: list[Attachment]
    upload_url: str
    can_change: bool
    form: object = None
    max_size_text: str = field(default="")


def attachment_section(
    *, parent: models.Model, user, namespace: str, form=None
) -> AttachmentSection:
    """The section of `parent`'s page, with the URLs of `namespace` (the app's URL namespace,
    whose attachment URLs core.attachment_views.attachment_urls made). Two queries: the
    attachments with their uploaders (the content type is cached)."""
    rows = list(Attachment.objects.live().of(parent).select_related("uploaded_by"))
    download = url_maker(f"{namespace}:attachment-download", parent.pk)
    delete = url_maker(f"{namespace}:attachment-delete", parent.pk)
    for row in rows:
        row.download_url = download(row.pk)
        row.delete_url = delete(row.pk)
    can_change = may_change(user, type(parent))
    return AttachmentSection(
        attachments=rows,
        upload_url=reverse(f"{namespace}:attachment-add", args=[parent.pk]),
        can_change=can_change,
        form=(form or AttachmentForm()) if can_change else None,
        max_size_text=filesizeformat(settings.ATTACHMENT_MAX_BYTES),
    )
