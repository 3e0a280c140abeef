"""Attachments: the content allow-list, the size limit while streaming, sanitised names, the
services, and the download's permission and headers."""

import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import (
    MAX_NAME_LENGTH,
    AttachmentError,
    attachment_add,
    attachment_delete,
    attachment_storage,
    sanitise_name,
)
from core.exceptions import AlreadyDoneError
from core.models import Attachment
from core.sniff import UnsupportedContent
from tests.attachment_samples import (
    docx_bytes,
    exe_bytes,
    plain_zip_bytes,
    sample,
    upload,
    xlsx_bytes,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CATEGORY = Attachment.Category


@pytest.fixture
def customer():
    return CustomerFactory(code="C-100", name="Adatum")


def stored_files() -> set:
    return {path for path in settings.ATTACHMENTS_ROOT.rglob("*") if path.is_file()}


def add(parent, user, name: str, content: bytes, category=CATEGORY.OTHER):
    return attachment_add(
        parent=parent, uploaded_file=upload(name, content), category=category, user=user
    )


# --- the allow-list, from the bytes --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("po.pdf", sample("sample.pdf"), "application/pdf"),
        ("scan.png", sample("sample.png"), "image/png"),
        ("photo.jpg", sample("sample.jpg"), "image/jpeg"),
        ("photo.webp", sample("sample.webp"), "image/webp"),
        ("notes.txt", "Delivery to gate 4 – ask for Jürgen\r\n".encode(), "text/plain"),
        ("lines.csv", b"sku;qty\r\nBOLT-1;4\r\n", "text/csv"),
        ("legacy.csv", "sku;Menge\r\nSCHRAUBE-\xc4;4\r\n".encode("cp1252"), "text/csv"),
        (
            "order.xlsx",
            xlsx_bytes(),
            f"{'application/vnd.openxmlformats-officedocument'}.spreadsheetml.sheet",
        ),
        (
            "contract.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_each_allowed_kind_is_recognised_from_its_bytes(customer, user, name, content, expected):
    attachment = add(customer, user, name, content)
    assert attachment.content_type_sniffed == expected
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    with attachment_storage().open(attachment.stored_name) as stored:
        assert stored.read() == content


def test_the_kind_comes_from_the_content_not_the_name(customer, user):
    """A PDF named .txt is a PDF; the stored name carries the sniffed extension."""
    attachment = add(customer, user, "really-a-pdf.txt", sample("sample.pdf"))
    assert attachment.content_type_sniffed == "application/pdf"
    assert attachment.stored_name.endswith(".pdf")
    assert attachment.original_name == "really-a-pdf.txt"


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("invoice.pdf", exe_bytes(), "A Windows program"),
        ("sheet.xlsx", plain_zip_bytes(), "A zip archive"),
        (
            "macro.xlsx",
            xlsx_bytes("application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
            "A document with macros",
        ),
        ("broken.docx", b"PK\x03\x04" + b"\x00garbage" * 10, "A damaged or encrypted zip"),
        ("empty.txt", b"", "An empty file"),
        ("utf16.txt", "hello".encode("utf-16"), "This kind of file"),
        ("image.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "This kind of file"),
    ],
)
def test_anything_else_is_refused_with_a_sentence_naming_what_is_allowed(
    customer, user, name, content, what
):
    before = stored_files()
    with pytest.raises(UnsupportedContent) as refused:
        add(customer, user, name, content)
    sentence = str(refused.value)
    assert sentence.startswith(what)
    assert "PDF, PNG, JPEG, WebP, plain text or CSV, Excel (XLSX) or Word (DOCX)" in sentence
    assert not Attachment.objects.exists()
    assert stored_files() == before


def test_a_zip_naming_a_workbook_it_does_not_hold_is_refused(customer, user):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package, zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as real:
        package.writestr("[Content_Types].xml", real.read("[Content_Types].xml"))
        package.writestr("payload.bin", b"\x00" * 10)
    with pytest.raises(UnsupportedContent, match="^A zip archive cannot be attached"):
        add(customer, user, "fake.xlsx", buffer.getvalue())


def test_a_text_file_with_a_binary_tail_is_refused(customer, user):
    """Every byte is checked, not only the head."""
    content = b"a,b\n" * 40_000 + b"\x00\x01\x02"
    with pytest.raises(UnsupportedContent):
        add(customer, user, "big.csv", content)


# --- size limit ----------------------------------------------------------------------------


def test_the_service_refuses_a_file_over_the_limit(customer, user, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(AttachmentError) as refused:
        add(customer, user, "big.txt", b"x" * 1001)
    assert "big.txt is larger than 1000\xa0bytes" in str(refused.value)
    assert add(customer, user, "fits.txt", b"x" * 1000).size == 1000


def test_an_upload_over_the_limit_is_skipped_while_it_streams(customer, manager_client, settings):
    """The handler stops keeping the file once it passes the limit; the form says why."""
    settings.ATTACHMENT_MAX_BYTES = 100_000
    big = SimpleUploadedFile("huge.txt", b"y" * 300_000)
    response = manager_client.post(
        f"/customers/{customer.pk}/attachments/add/", {"category": "other", "file": big}
    )
    assert response.status_code == 200
    assert "huge.txt is larger than 97.7\xa0KB, the most an attachment may be" in (
        response.content.decode()
    )
    assert not Attachment.objects.exists()


def test_the_size_handler_never_holds_more_than_the_limit(rf, settings):
    """Chunks past the limit are not passed on to the handlers that store the file."""
    from django.core.files.uploadhandler import SkipFile

    from core.uploads import SizeLimitUploadHandler, upload_refusals

    settings.ATTACHMENT_MAX_BYTES = 10
    request = rf.post("/")
    handler = SizeLimitUploadHandler(request)
    handler.new_file("file", "a.txt", "text/plain", 0)
    assert handler.receive_data_chunk(b"123456", 0) == b"123456"
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"789012", 6)
    assert "a.txt is larger than 10\xa0bytes" in upload_refusals(request)["file"]


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("/var/www/po.pdf", "po.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("po\x00\x07\x1b[31m.pdf", "po[31m.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hides .exe
        ('a"b;c<d>e|f?.pdf', "a_b_c_d_e_f_.pdf"),
        ("line\nbreak\ttab.txt", "line break tab.txt"),
        ("CON.txt", "_CON.txt"),
        ("", "attachment"),
        ("../", "attachment"),
        ("....pdf", "pdf"),
        ("Cafe\u0301 menu.pdf", "Caf\u00e9 menu.pdf"),
    ],
)
def test_names_are_sanitised(given, expected):
    assert sanitise_name(given) == expected


def test_a_very_long_name_is_cut_keeping_its_extension():
    name = sanitise_name("x" * 500 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith("xxx.pdf")


def test_the_stored_name_is_never_the_uploaded_one(customer, user):
    attachment = add(customer, user, "../../etc/cron.d/job.txt", b"hi")
    assert attachment.original_name == "job.txt"
    assert "job" not in attachment.stored_name
    assert ".." not in attachment.stored_name


# --- delete --------------------------------------------------------------------------------


def test_delete_hides_the_attachment_but_keeps_the_row_and_the_file(customer, user):
    attachment = add(customer, user, "po.pdf", sample("sample.pdf"))
    attachment_delete(attachment=attachment, user=user)
    attachment.refresh_from_db()
    assert attachment.is_deleted and attachment.deleted_by == user and attachment.deleted_at
    assert list(Attachment.objects.live().of(customer)) == []
    assert attachment_storage().exists(attachment.stored_name)


def test_deleting_twice_says_it_was_already_deleted(customer, user):
    attachment = add(customer, user, "po.pdf", sample("sample.pdf"))
    attachment_delete(attachment=attachment, user=user)
    with pytest.raises(AlreadyDoneError, match="po.pdf was already deleted."):
        attachment_delete(attachment=attachment, user=user)


def test_attachments_of_one_record_are_not_another_s(customer, user):
    other = CustomerFactory(code="C-200")
    add(customer, user, "mine.txt", b"mine")
    assert list(Attachment.objects.live().of(other)) == []


# --- admin ---------------------------------------------------------------------------------


def test_managers_see_attachments_in_the_admin_download_them_and_delete_them_softly(
    manager_client, customer, user
):
    attachment = add(customer, user, "po.pdf", sample("sample.pdf"))
    changelist = manager_client.get("/admin/core/attachment/")
    assert changelist.status_code == 200
    assert "po.pdf" in changelist.content.decode()
    change = manager_client.get(f"/admin/core/attachment/{attachment.pk}/change/")
    assert change.status_code == 200
    assert 'name="original_name"' not in change.content.decode()  # read-only
    download = manager_client.get(f"/admin/core/attachment/{attachment.pk}/content/")
    assert b"".join(download.streaming_content) == sample("sample.pdf")
    manager_client.post(
        "/admin/core/attachment/",
        {"action": "delete_softly", "_selected_action": [attachment.pk]},
    )
    attachment.refresh_from_db()
    assert attachment.is_deleted
    assert attachment_storage().exists(attachment.stored_name)
    assert manager_client.get("/admin/core/attachment/add/").status_code == 403


def test_sales_cannot_open_the_attachment_admin(sales_client, customer, user):
    attachment = add(customer, user, "po.pdf", sample("sample.pdf"))
    response = sales_client.get(f"/admin/core/attachment/{attachment.pk}/content/")
    assert response.status_code in (302, 403)
