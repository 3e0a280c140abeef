"""Attachments on the customer page: the same core section, with the customer's permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import attachment_add
from core.models import Attachment
from tests.attachment_samples import docx_bytes, upload
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(code="C-1", name="Adatum")


def test_a_signed_agreement_is_attached_listed_and_downloaded(sales_client, customer):
    content = docx_bytes()
    response = sales_client.post(
        f"/customers/{customer.pk}/attachments/add/",
        {"category": "signed_agreement", "file": SimpleUploadedFile("MSA.docx", content)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.live().of(customer).get()
    page = sales_client.get(customer.get_absolute_url()).content.decode()
    assert "MSA.docx" in page and "Signed agreement" in page
    download = sales_client.get(f"/customers/{customer.pk}/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"] == 'attachment; filename="MSA.docx"'


def test_a_user_who_may_not_see_customers_gets_403(client, user, customer, sales_user):
    attachment = attachment_add(
        parent=customer, uploaded_file=upload("a.txt", b"hi"), category="other", user=sales_user
    )
    client.force_login(user)
    assert client.get(f"/customers/{customer.pk}/attachments/{attachment.pk}/").status_code == 403


def test_warehouse_sees_the_list_without_the_upload_form(warehouse_client, customer, sales_user):
    attachment_add(
        parent=customer, uploaded_file=upload("a.txt", b"hi"), category="other", user=sales_user
    )
    page = warehouse_client.get(customer.get_absolute_url()).content.decode()
    assert "a.txt" in page
    assert "Attach File" not in page
