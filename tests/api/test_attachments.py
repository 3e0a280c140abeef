"""`salesOrders({id})/attachments` and `customers({id})/attachments`: upload (multipart), list,
read, download the content, delete (soft), with the parent's permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Attachment
from salesorders.models import SalesOrderEvent
from tests.api.conftest import BASE, token_client
from tests.api.test_queries import queries_of
from tests.attachment_samples import exe_bytes, sample, xlsx_bytes

pytestmark = pytest.mark.django_db

PDF = sample("sample.pdf")


def post_file(api, url, name="PO-4711.pdf", content=PDF, **fields):
    return api.post(url, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


def test_upload_list_download_and_delete_an_order_attachment(api, order):
    url = f"{BASE}/salesOrders({order.pk})/attachments"
    created = post_file(api, url, category="customerPurchaseOrder")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["fileName"] == "PO-4711.pdf"
    assert body["category"] == "customerPurchaseOrder"
    assert body["byteSize"] == len(PDF)
    assert body["contentType"] == "application/pdf"
    assert body["isDeleted"] is False
    assert body["contentUrl"].endswith(f"/salesOrders({order.pk})/attachments/{body['id']}/content")
    assert created["Location"].endswith(f"/attachments/{body['id']}")
    assert order.events.filter(kind=SalesOrderEvent.Kind.ATTACHMENT_ADDED).exists()

    listed = api.get(url).json()["value"]
    assert [row["id"] for row in listed] == [body["id"]]

    content = api.get(f"{url}({body['id']})/content", HTTP_ACCEPT="application/pdf")
    assert content.status_code == 200
    assert b"".join(content.streaming_content) == PDF
    assert content["Content-Disposition"] == 'attachment; filename="PO-4711.pdf"'
    assert content["X-Content-Type-Options"] == "nosniff"

    detail = api.get(f"{url}({body['id']})")
    refused = api.delete(f"{url}({body['id']})")
    assert refused.status_code == 428
    deleted = api.delete(f"{url}({body['id']})", HTTP_IF_MATCH=detail["ETag"])
    assert deleted.status_code == 204
    assert api.get(url).json()["value"] == []
    assert api.get(f"{url}({body['id']})/content").status_code == 404
    assert Attachment.objects.get().is_deleted
    assert order.events.filter(kind=SalesOrderEvent.Kind.ATTACHMENT_DELETED).exists()


def test_the_slash_routes_answer_too(api, order):
    url = f"{BASE}/salesOrders/{order.pk}/attachments"
    created = post_file(api, url)
    assert created.status_code == 201
    content = api.get(f"{url}/{created.json()['id']}/content")
    assert b"".join(content.streaming_content) == PDF


def test_an_upload_of_a_refused_kind_is_a_400_naming_what_is_allowed(api, customer):
    url = f"{BASE}/customers({customer.pk})/attachments"
    response = post_file(api, url, name="invoice.pdf", content=exe_bytes())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest_BusinessRule"
    assert error["target"] == "file"
    assert error["message"].startswith("A Windows program cannot be attached; attach a PDF")
    assert not Attachment.objects.exists()


def test_an_upload_over_the_limit_is_refused_while_it_streams(api, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 50_000
    url = f"{BASE}/customers({customer.pk})/attachments"
    response = post_file(api, url, name="big.txt", content=b"z" * 60_000)
    assert response.status_code == 400
    assert "big.txt is larger than 48.8\xa0KB" in response.json()["error"]["message"]


def test_a_body_announced_far_over_the_limit_is_a_413_before_it_is_read(api, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    url = f"{BASE}/customers({customer.pk})/attachments"
    response = post_file(api, url, name="big.txt", content=b"z" * 200_000)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "Request_EntityTooLarge"


def test_an_upload_without_a_file_or_with_an_unknown_field_is_a_400(api, customer):
    url = f"{BASE}/customers({customer.pk})/attachments"
    missing = api.post(url, {"category": "quote"}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["error"]["target"] == "file"
    unknown = post_file(api, url, colour="red")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["target"] == "colour"
    bad_category = post_file(api, url, category="secret")
    assert bad_category.status_code == 400
    assert bad_category.json()["error"]["target"] == "category"


def test_a_json_body_is_a_415(api, customer):
    url = f"{BASE}/customers({customer.pk})/attachments"
    response = api.post(url, {"file": "x"}, format="json")
    assert response.status_code == 415


def test_warehouse_reads_but_may_not_upload_or_delete(warehouse_api, api, order):
    url = f"{BASE}/salesOrders({order.pk})/attachments"
    body = post_file(api, url).json()
    assert warehouse_api.get(url).status_code == 200
    assert post_file(warehouse_api, url).status_code == 403
    deleted = warehouse_api.delete(f"{url}({body['id']})", HTTP_IF_MATCH="*")
    assert deleted.status_code == 403


def test_a_user_without_view_permission_cannot_list_or_download(api, user, order):
    url = f"{BASE}/salesOrders({order.pk})/attachments"
    body = post_file(api, url).json()
    nobody = token_client(user)
    assert nobody.get(url).status_code == 403
    assert nobody.get(f"{url}({body['id']})/content").status_code == 403


def test_an_attachment_of_another_customer_is_a_404(api, customer):
    from tests.factories import CustomerFactory

    other = CustomerFactory(code="OTHER")
    body = post_file(api, f"{BASE}/customers({customer.pk})/attachments").json()
    response = api.get(f"{BASE}/customers({other.pk})/attachments({body['id']})/content")
    assert response.status_code == 404


def test_a_retried_upload_with_its_idempotency_key_is_stored_once(api, customer):
    url = f"{BASE}/customers({customer.pk})/attachments"
    content = xlsx_bytes()
    answers = [
        api.post(
            url,
            {"file": SimpleUploadedFile("lines.xlsx", content), "category": "quote"},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Attachment.objects.count() == 1


def test_the_list_costs_the_same_queries_with_more_attachments(api, customer):
    url = f"{BASE}/customers({customer.pk})/attachments"
    post_file(api, url)
    one = queries_of(lambda: api.get(url))
    for n in range(5):
        post_file(api, url, name=f"po-{n}.pdf")
    assert queries_of(lambda: api.get(url)) == one
    assert len(api.get(url).json()["value"]) == 6


def test_an_upload_may_not_be_filed_as_a_generated_document(api, order):
    url = f"{BASE}/salesOrders({order.pk})/attachments"
    response = post_file(api, url, category="generatedDocument")
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "category"
    assert not Attachment.objects.exists()
