"""Attachments on the order page: upload, list, download, delete, history, permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.attachments import attachment_storage
from core.models import Attachment
from salesorders import services
from salesorders.models import SalesOrderEvent
from tests.attachment_samples import exe_bytes, sample, upload

pytestmark = pytest.mark.django_db

PDF = sample("sample.pdf")


def attach(order, user, name="po-4711.pdf", content=PDF, category="customer_po"):
    return services.salesorder_attachment_add(
        order=order, uploaded_file=upload(name, content), category=category, user=user
    )


def add_url(order) -> str:
    return f"/orders/{order.pk}/attachments/add/"


def test_uploading_on_the_order_page_lists_it_and_records_history(sales_client, order):
    version = order.version
    response = sales_client.post(
        add_url(order),
        {"category": "customer_po", "file": SimpleUploadedFile("PO 4711.pdf", PDF)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/#attachments"
    attachment = Attachment.objects.live().of(order).get()
    assert attachment.category == Attachment.Category.CUSTOMER_PO
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "PO 4711.pdf" in page and "Customer PO" in page
    assert f"/orders/{order.pk}/attachments/{attachment.pk}/" in page
    event = order.events.get(kind=SalesOrderEvent.Kind.ATTACHMENT_ADDED)
    assert event.message == "Attached PO 4711.pdf (Customer PO)."
    order.refresh_from_db()
    assert order.version == version  # an edit form open elsewhere stays valid


def test_a_refused_upload_shows_the_sentence_at_the_field_and_writes_nothing(sales_client, order):
    response = sales_client.post(
        add_url(order), {"category": "other", "file": SimpleUploadedFile("po.pdf", exe_bytes())}
    )
    assert response.status_code == 200
    assert "A Windows program cannot be attached" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not order.events.filter(kind=SalesOrderEvent.Kind.ATTACHMENT_ADDED).exists()


def test_the_upload_page_answers_get_with_its_form(sales_client, order):
    response = sales_client.get(add_url(order))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_same_upload_sent_twice_attaches_once(sales_client, order):
    data = {"category": "quote", "once_token": "a" * 32}
    for _ in range(2):
        sales_client.post(add_url(order), {**data, "file": SimpleUploadedFile("q.pdf", PDF)})
    assert Attachment.objects.count() == 1


def test_download_streams_the_file_with_safe_headers(sales_client, order, clerk):
    attachment = attach(order, clerk, name='Angebot Müller "final".pdf')
    response = sales_client.get(f"/orders/{order.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(PDF))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=utf-8''Angebot%20M%C3%BCller%20_final_.pdf" in disposition
    assert "no-store" in response["Cache-Control"]


def test_download_needs_the_order_s_view_permission(client, user, order, clerk):
    attachment = attach(order, clerk)
    client.force_login(user)
    response = client.get(f"/orders/{order.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 403


def test_download_of_another_order_s_attachment_is_a_404(sales_client, order, clerk, customer):
    attachment = attach(order, clerk)
    other = services.salesorder_create(customer=customer, user=clerk)
    response = sales_client.get(f"/orders/{other.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404


def test_warehouse_may_download_but_not_upload_or_delete(warehouse_client, order, clerk):
    attachment = attach(order, clerk)
    base = f"/orders/{order.pk}/attachments/"
    assert warehouse_client.get(f"{base}{attachment.pk}/").status_code == 200
    page = warehouse_client.get(order.get_absolute_url()).content.decode()
    assert "Attach File" not in page and "Delete…" not in page
    refused = warehouse_client.post(
        f"{base}add/", {"category": "other", "file": SimpleUploadedFile("x.txt", b"x")}
    )
    assert refused.status_code == 403
    assert warehouse_client.post(f"{base}{attachment.pk}/delete/").status_code == 403
    assert Attachment.objects.live().count() == 1


def test_delete_asks_first_then_hides_it_and_keeps_the_file(sales_client, order, clerk):
    attachment = attach(order, clerk)
    url = f"/orders/{order.pk}/attachments/{attachment.pk}/delete/"
    confirm = sales_client.get(url)
    assert confirm.status_code == 200
    assert "Delete Attachment" in confirm.content.decode()
    assert Attachment.objects.live().count() == 1  # GET changes nothing
    response = sales_client.post(url)
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.is_deleted
    assert attachment_storage().exists(attachment.stored_name)
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "po-4711.pdf" in page  # only in the history line now
    assert f"/attachments/{attachment.pk}/" not in page
    assert order.events.filter(kind=SalesOrderEvent.Kind.ATTACHMENT_DELETED).exists()
    download = sales_client.get(f"/orders/{order.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 404


def test_the_download_url_refuses_a_post(sales_client, order, clerk):
    attachment = attach(order, clerk)
    response = sales_client.post(f"/orders/{order.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 405


def test_the_attachment_section_costs_the_same_queries_with_50_attachments(
    sales_client, order, clerk, django_assert_max_num_queries
):
    attach(order, clerk)
    sales_client.get(order.get_absolute_url())  # warm the content-type cache
    with django_assert_max_num_queries(20) as one:
        sales_client.get(order.get_absolute_url())
    storage_rows = Attachment.objects.get()
    Attachment.objects.bulk_create(
        Attachment(
            parent=order,
            category="other",
            original_name=f"scan-{n}.pdf",
            stored_name=f"{storage_rows.stored_name}-{n}",
            size=10,
            sha256="0" * 64,
            content_type_sniffed="application/pdf",
            uploaded_by=clerk,
        )
        for n in range(49)
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = sales_client.get(order.get_absolute_url())
    assert len(response.context["attachments"].attachments) == 50
