"""Attachments on the invoice page: the core section, with the invoice's permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import _user_in
from core.models import Attachment
from invoicing import services
from tests.attachment_samples import docx_bytes
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(manager_user):
    order = make_order(manager_user)
    ship(order, manager_user)
    return services.invoice_create_from_order(order=order, user=manager_user)


def test_accounts_attach_a_file_to_an_invoice_and_download_it(client, invoice):
    client.force_login(_user_in("Accounts", "alice"))
    content = docx_bytes()
    response = client.post(
        f"/invoices/{invoice.pk}/attachments/add/",
        {"category": "other", "file": SimpleUploadedFile("remittance.docx", content)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.live().of(invoice).get()
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "remittance.docx" in page
    download = client.get(f"/invoices/{invoice.pk}/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == content


def test_sales_may_see_invoices_but_not_attach_to_them(client, invoice):
    client.force_login(_user_in("Sales", "sam"))
    response = client.post(
        f"/invoices/{invoice.pk}/attachments/add/",
        {"category": "other", "file": SimpleUploadedFile("x.docx", docx_bytes())},
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()
