"""What a file is, read from its bytes (never from its name): the attachments' allow-list.

PDF, PNG, JPEG and WebP by their signatures; XLSX and DOCX are zip containers, recognised by
opening the zip's directory and reading its `[Content_Types].xml` for the main part's type
(a zip that is neither, a macro-enabled workbook or a jar is refused); plain text and CSV by
the whole content being text: no NUL or other control byte but tab, line feed, form feed and
carriage return (UTF-8, or an 8-bit encoding such as Excel's Windows-1252 CSV; UTF-16 has
NULs and is refused).

`ContentSniffer` is fed the file's chunks as they are read once (for the hash and the size
too), then `result(file)` answers the type or raises UnsupportedContent.
"""

import re
import zipfile
from dataclasses import dataclass

from core.exceptions import DomainError

HEAD_BYTES = 4096
CONTENT_TYPES_PART = "[Content_Types].xml"
CONTENT_TYPES_MAX_BYTES = 1_000_000  # a real one is a few kB; a bigger one is refused unread
OOXML = "application/vnd.openxmlformats-officedocument"


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str
    label: str


PDF = Sniffed("application/pdf", "pdf", "PDF")
PNG = Sniffed("image/png", "png", "PNG")
JPEG = Sniffed("image/jpeg", "jpg", "JPEG")
WEBP = Sniffed("image/webp", "webp", "WebP")
TEXT = Sniffed("text/plain", "txt", "plain text")
CSV = Sniffed("text/csv", "csv", "CSV")
XLSX = Sniffed(f"{OOXML}.spreadsheetml.sheet", "xlsx", "Excel workbook (XLSX)")
DOCX = Sniffed(f"{OOXML}.wordprocessingml.document", "docx", "Word document (DOCX)")
ALLOWED = (PDF, PNG, JPEG, WEBP, TEXT, CSV, XLSX, DOCX)
ALLOWED_TEXT = "PDF, PNG, JPEG, WebP, plain text or CSV, Excel (XLSX) or Word (DOCX)"

# The main part each package must have, and the content type [Content_Types].xml gives it.
PACKAGES = (
    (XLSX, "xl/workbook.xml", f"{OOXML}.spreadsheetml.sheet.main+xml"),
    (DOCX, "word/document.xml", f"{OOXML}.wordprocessingml.document.main+xml"),
)

# Bytes that never occur in text: C0 controls except \t \n \f \r, and DEL.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


class UnsupportedContent(DomainError):
    """The file's content is not one of the allowed kinds."""


def refusal(what: str) -> UnsupportedContent:
    return UnsupportedContent(
        {"file": [f"{what} cannot be attached; attach a {ALLOWED_TEXT} file."]}
    )


class ContentSniffer:
    """Fed every chunk of a file in order; keeps the head and whether it is all text."""

    def __init__(self):
        self.head = b""
        self.is_text = True

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        if not self.is_text:
            return
        if len(chunk.translate(None, _CONTROL)) != len(chunk):
            self.is_text = False

    def result(self, file, *, name: str = "") -> Sniffed:
        """The kind of the file fed so far; `file` is the same file, seekable, for a zip's
        directory. `name` only tells CSV from plain text once the content is text."""
        head = self.head
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(b"PK\x03\x04"):
            return _office_package(file)
        if head and self.is_text:
            return CSV if name.lower().endswith(".csv") else TEXT
        if not head:
            raise refusal("An empty file")
        raise refusal(_what(head))


def _what(head: bytes) -> str:
    if head.startswith(b"MZ"):
        return "A Windows program"
    if head.startswith(b"\x7fELF"):
        return "A program"
    return "This kind of file"


_OVERRIDE = re.compile(r"<(?:\w+:)?Override\b([^>]*)>")
_ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _declared_parts(content_types: str) -> dict[str, str]:
    """[Content_Types].xml's Override entries: part name -> content type (read with regular
    expressions, not an XML parser: nothing in an uploaded file is expanded)."""
    parts = {}
    for match in _OVERRIDE.finditer(content_types):
        attributes = {m[1]: m[2] or m[3] for m in _ATTRIBUTE.finditer(match[1])}
        if "PartName" in attributes and "ContentType" in attributes:
            parts[attributes["PartName"]] = attributes["ContentType"].strip()
    return parts


def _office_package(file) -> Sniffed:
    """XLSX or DOCX: a zip whose [Content_Types].xml names the workbook's or the document's
    main part, and which holds that part. Reads the zip's directory and that one small part."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            names = set(package.namelist())
            info = package.getinfo(CONTENT_TYPES_PART) if CONTENT_TYPES_PART in names else None
            if info is None or info.file_size > CONTENT_TYPES_MAX_BYTES:
                raise refusal("A zip archive")
            with package.open(info) as part:
                content_types = part.read(CONTENT_TYPES_MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
        raise refusal("A damaged or encrypted zip archive") from None
    finally:
        file.seek(0)
    text = content_types.decode("utf-8", "replace")
    declared = _declared_parts(text)
    for sniffed, main_part, main_type in PACKAGES:
        if main_part in names and declared.get(f"/{main_part}") == main_type:
            return sniffed
    if "macroEnabled" in text:
        raise refusal("A document with macros")
    raise refusal("A zip archive")
