"""Uploads counted while they stream in: a file past settings.ATTACHMENT_MAX_BYTES is skipped
at that point (its remaining bytes are read and dropped, never kept in memory or on disk),
and the request remembers why, so the form or the API refuses it with a sentence.

First in settings.FILE_UPLOAD_HANDLERS; Django's memory and temporary-file handlers after it
store what passes."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat

REFUSED_ATTRIBUTE = "upload_refusals"


def too_large_sentence(name: str = "") -> str:
    limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
    what = f"{name} is" if name else "The file is"
    return f"{what} larger than {limit}, the most an attachment may be; attach a smaller file."


def upload_refusals(request) -> dict[str, str]:
    """Form field name -> the sentence saying why its file was skipped."""
    return getattr(request, REFUSED_ATTRIBUTE, {})


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts each file's bytes and skips the file once they pass the limit."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            refusals = getattr(self.request, REFUSED_ATTRIBUTE, None)
            if refusals is None:
                refusals = {}
                setattr(self.request, REFUSED_ATTRIBUTE, refusals)
            refusals[self.field_name] = too_large_sentence(self.file_name or "")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
