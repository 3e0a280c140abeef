"""A posted invoice's PDF is kept with it: a job enqueued in the posting transaction stores
it once as a "Generated document" attachment, which cannot be deleted and is what the
customer's email carries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from conftest import _user_in
from core.attachments import attachment_delete, attachment_open
from core.exceptions import DomainError
from core.models import Attachment
from core.pdf import pdf_available
from invoicing import services
from invoicing.tasks import issued_document, issued_document_enqueue
from tests.api.conftest import BASE, token_client
from tests.core.jobs_for_tests import run_jobs
from tests.factories import CustomerFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not pdf_available(), reason="WeasyPrint cannot load here"),
]


def _posted(user, **customer):
    order = make_order(user, customer=CustomerFactory(**customer))
    ship(order, user)
    invoice = services.invoice_create_from_order(order=order, user=user)
    return services.invoice_post(invoice=invoice, user=user)


def _archive_jobs():
    return DBTaskResult.objects.filter(task_path__endswith="store_issued_document")


def test_posting_stores_the_invoice_pdf_once_as_a_generated_document(client, manager_user):
    invoice = _posted(manager_user)
    assert _archive_jobs().count() == 1
    run_jobs()
    stored = Attachment.objects.live().of(invoice).get()
    assert stored.category == Attachment.Category.GENERATED
    assert stored.original_name == f"{invoice.number}.pdf"
    assert stored.content_type_sniffed == "application/pdf"
    assert stored.uploaded_by == manager_user
    with attachment_open(stored) as file:
        assert file.read().startswith(b"%PDF-")
    # A second run (a retry after a lost worker) finds the file and stores nothing new.
    issued_document_enqueue(invoice)
    run_jobs()
    assert Attachment.objects.of(invoice).count() == 1
    client.force_login(_user_in("Accounts", "alice"))
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert f"{invoice.number}.pdf" in page and "Generated document" in page


def test_a_generated_document_cannot_be_deleted(client, manager_user):
    invoice = _posted(manager_user)
    run_jobs()
    stored = issued_document(invoice)
    with pytest.raises(DomainError, match="as it was issued"):
        attachment_delete(attachment=stored, user=manager_user)
    client.force_login(_user_in("Accounts", "alice"))
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert f"/invoices/{invoice.pk}/attachments/{stored.pk}/delete/" not in page
    response = client.post(f"/invoices/{invoice.pk}/attachments/{stored.pk}/delete/", follow=True)
    assert "as it was issued" in response.content.decode()
    assert Attachment.objects.live().of(invoice).count() == 1


def test_an_upload_may_not_claim_to_be_a_generated_document(client, manager_user):
    invoice = _posted(manager_user)
    client.force_login(_user_in("Accounts", "alice"))
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert 'value="generated"' not in page
    response = client.post(
        f"/invoices/{invoice.pk}/attachments/add/",
        {"category": "generated", "file": SimpleUploadedFile("x.txt", b"hello")},
    )
    assert not Attachment.objects.of(invoice).filter(original_name="x.txt").exists()
    assert response.status_code in (200, 302)


def test_a_rolled_back_posting_queues_no_document(manager_user):
    order = make_order(manager_user)
    ship(order, manager_user)
    invoice = services.invoice_create_from_order(order=order, user=manager_user)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invoice_post(invoice=invoice, user=manager_user)
        raise RuntimeError("the request failed after posting")
    assert not _archive_jobs().exists()


def test_voiding_stores_the_credit_note_pdf(manager_user):
    invoice = _posted(manager_user)
    credit = services.invoice_void(invoice=invoice, reason="Wrong customer", user=manager_user)
    run_jobs()
    assert issued_document(invoice) is not None
    assert issued_document(credit).original_name == f"{credit.number}.pdf"


def test_the_email_carries_the_stored_document(manager_user, mailoutbox):
    invoice = _posted(manager_user, email="ap@customer.test")
    run_jobs()
    stored = issued_document(invoice)
    with attachment_open(stored) as file:
        kept = file.read()
    services.invoice_email_send(invoice=invoice, request_token="t-1", user=manager_user)
    run_jobs()
    ((name, content, _mime),) = mailoutbox[0].attachments
    assert name == f"{invoice.number}.pdf" and content == kept


def test_the_api_lists_an_invoices_attachments_with_its_generated_pdf(manager_user):
    invoice = _posted(manager_user)
    run_jobs()
    api = token_client(manager_user)
    url = f"{BASE}/invoices({invoice.pk})/attachments"
    created = api.post(
        url, {"file": SimpleUploadedFile("remittance.txt", b"paid in full")}, format="multipart"
    )
    assert created.status_code == 201, created.json()
    listed = {row["fileName"]: row for row in api.get(url).json()["value"]}
    assert set(listed) == {"remittance.txt", f"{invoice.number}.pdf"}
    generated = listed[f"{invoice.number}.pdf"]
    assert generated["category"] == "generatedDocument"
    content = api.get(f"{url}({generated['id']})/content", HTTP_ACCEPT="application/pdf")
    assert b"".join(content.streaming_content).startswith(b"%PDF-")
    refused = api.delete(f"{url}({generated['id']})", HTTP_IF_MATCH="*")
    assert refused.status_code == 400
    assert "as it was issued" in refused.json()["error"]["message"]
    assert Attachment.objects.live().of(invoice).count() == 2
