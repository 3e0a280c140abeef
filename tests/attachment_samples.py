"""Small real files of each allowed kind, and look-alikes that must be refused.

The images and the PDF under tests/core/samples/ were made by Chromium (a screenshot, a
canvas, page.pdf()); the XLSX and DOCX are minimal Office Open XML packages built here."""

import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

SAMPLES = Path(__file__).resolve().parent / "core" / "samples"
OOXML = "application/vnd.openxmlformats-officedocument"
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _content_types(overrides: dict[str, str]) -> str:
    parts = "".join(
        f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f"{parts}</Types>"
    )


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in files.items():
            package.writestr(name, text)
    return buffer.getvalue()


def xlsx_bytes(main_type: str = f"{OOXML}.spreadsheetml.sheet.main+xml") -> bytes:
    sheet = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _zip(
        {
            "[Content_Types].xml": _content_types(
                {
                    "xl/workbook.xml": main_type,
                    "xl/worksheets/sheet1.xml": f"{OOXML}.spreadsheetml.worksheet+xml",
                }
            ),
            "_rels/.rels": PACKAGE_RELS.format(target="xl/workbook.xml"),
            "xl/workbook.xml": (
                f'<workbook xmlns="{sheet}" xmlns:r="{rel}"><sheets>'
                '<sheet name="PO" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                "</Relationships>"
            ),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{sheet}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
                "<is><t>PO 4711</t></is></c></row></sheetData></worksheet>"
            ),
        }
    )


def docx_bytes() -> bytes:
    word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return _zip(
        {
            "[Content_Types].xml": _content_types(
                {"word/document.xml": f"{OOXML}.wordprocessingml.document.main+xml"}
            ),
            "_rels/.rels": PACKAGE_RELS.format(target="word/document.xml"),
            "word/document.xml": (
                f'<w:document xmlns:w="{word}"><w:body><w:p><w:r><w:t>Signed agreement</w:t>'
                "</w:r></w:p></w:body></w:document>"
            ),
        }
    )


def plain_zip_bytes() -> bytes:
    return _zip({"readme.txt": "hello", "data/report.csv": "a,b\n1,2\n"})


def exe_bytes() -> bytes:
    """The start of a Windows program: MZ, a DOS stub, and NULs."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 48
        + (b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 64)
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
