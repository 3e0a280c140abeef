"""API: a draft invoice's edits, PATCH invoices({id}) through invoice_update and DELETE
through invoice_delete; If-Match on each, the roles' permissions, posted invoices refused
with the service's sentence."""

import datetime

import pytest
from django.utils import timezone

from invoicing import services
from invoicing.models import Invoice
from tests.api.conftest import BASE, token_client
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


def draft(user) -> Invoice:
    order = make_order(user, [("2", "10.0000")])
    ship(order, user)
    return services.invoice_create_from_order(order=order, user=user)


def test_patching_a_drafts_date_and_notes_moves_its_due_date(manager_user):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    url = f"{BASE}/invoices({invoice.pk})"
    etag = api.get(url)["ETag"]
    day = timezone.localdate() + datetime.timedelta(days=3)
    response = api.patch(
        url,
        {"invoiceDate": day.isoformat(), "notes": "Deliver to gate 2."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["invoiceDate"] == day.isoformat() and body["notes"] == "Deliver to gate 2."
    assert response["ETag"] != etag
    invoice.refresh_from_db()
    assert invoice.invoice_date == day and invoice.notes == "Deliver to gate 2."
    assert invoice.due_date >= day


def test_patch_needs_if_match_and_refuses_a_stale_one(manager_user):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    url = f"{BASE}/invoices({invoice.pk})"
    assert api.patch(url, {"notes": "x"}, format="json").status_code == 428
    stale = api.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    invoice.refresh_from_db()
    assert invoice.notes == ""


@pytest.mark.parametrize(
    "body, target",
    [({"invoiceDate": "tomorrow"}, "invoiceDate"), ({"total": "1.00"}, "total")],
)
def test_a_patch_with_bad_input_is_a_400_and_changes_nothing(manager_user, body, target):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    response = api.patch(f"{BASE}/invoices({invoice.pk})", body, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert response.json()["error"]["target"] == target
    before = invoice.version
    invoice.refresh_from_db()
    assert invoice.version == before


def test_a_posted_invoice_is_neither_patched_nor_deleted(manager_user):
    api = token_client(manager_user)
    invoice = services.invoice_post(invoice=draft(manager_user), user=manager_user)
    url = f"{BASE}/invoices({invoice.pk})"
    patched = api.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="*")
    assert patched.status_code == 400
    assert "void it with a credit note" in patched.json()["error"]["message"]
    deleted = api.delete(url, HTTP_IF_MATCH="*")
    assert deleted.status_code == 400
    assert deleted.json()["error"]["message"]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.POSTED and invoice.notes == ""


def test_deleting_a_draft_lets_its_quantities_be_invoiced_again(manager_user):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    order = invoice.order
    url = f"{BASE}/invoices({invoice.pk})"
    assert api.delete(url).status_code == 428
    assert api.delete(url, HTTP_IF_MATCH='"999"').status_code == 409
    response = api.delete(url, HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 204, response.content
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert api.get(url).status_code == 404
    again = services.invoice_create_from_order(order=order, user=manager_user)
    assert again.total == invoice.total


def test_editing_and_deleting_drafts_need_their_permissions(manager_user, sales_user):
    invoice = draft(manager_user)
    seller = token_client(sales_user)
    url = f"{BASE}/invoices({invoice.pk})"
    assert seller.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 403
    assert seller.delete(url, HTTP_IF_MATCH="*").status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk, notes="").exists()


def lines_url(invoice) -> str:
    return f"{BASE}/invoices({invoice.pk})/invoiceLines"


def test_a_drafts_line_is_changed_added_and_removed_with_the_totals_following(manager_user):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    [line] = api.get(lines_url(invoice)).json()["value"]
    assert line["quantity"] == "2.0000"
    etag = line["@odata.etag"]
    changed = api.patch(
        f"{lines_url(invoice)}({line['id']})",
        {"quantity": "1", "discountPercent": "10"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["quantity"] == "1.0000" and changed.json()["discountPercent"] == "10.00"
    assert changed["ETag"] != etag
    added = api.post(
        lines_url(invoice),
        {"description": "Freight", "unitPrice": "7.5000"},
        format="json",
        HTTP_IF_MATCH=changed["ETag"],
    )
    assert added.status_code == 201, added.content
    assert added.json()["description"] == "Freight" and added.json()["quantity"] == "1.0000"
    invoice.refresh_from_db()
    assert invoice.subtotal == 9 + 7.5  # 1 x 10 less 10%, and the freight
    removed = api.delete(f"{lines_url(invoice)}({added.json()['id']})", HTTP_IF_MATCH="*")
    assert removed.status_code == 204
    invoice.refresh_from_db()
    assert invoice.subtotal == 9
    assert len(api.get(lines_url(invoice)).json()["value"]) == 1


def test_line_edits_need_if_match_and_refuse_a_stale_one(manager_user):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    line = invoice.lines.get()
    url = f"{lines_url(invoice)}({line.pk})"
    assert api.patch(url, {"quantity": "1"}, format="json").status_code == 428
    assert api.delete(url).status_code == 428
    stale = api.patch(url, {"quantity": "1"}, format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 409
    assert api.delete(url, HTTP_IF_MATCH='"999"').status_code == 409
    add = api.post(
        lines_url(invoice),
        {"description": "X", "unitPrice": "1"},
        format="json",
        HTTP_IF_MATCH='"999"',
    )
    assert add.status_code == 409
    line.refresh_from_db()
    assert line.quantity == 2 and invoice.lines.count() == 1


@pytest.mark.parametrize(
    "body, target, words",
    [
        ({"quantity": "5"}, "quantity", ""),
        ({"quantity": "0"}, "quantity", "above zero"),
        ({"unitPrice": "1.00001"}, "unitPrice", "decimal places"),
        ({"discountPercent": "101"}, "discountPercent", "100"),
        ({"sku": "X"}, "sku", "Unknown field"),
    ],
)
def test_a_bad_line_change_is_a_400_at_its_field_and_changes_nothing(
    manager_user, body, target, words
):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    line = invoice.lines.get()
    response = api.patch(f"{lines_url(invoice)}({line.pk})", body, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["target"] == target and words in error["message"]
    line.refresh_from_db()
    assert line.quantity == 2 and line.discount_percent == 0


def test_a_free_line_needs_a_description_and_a_price(manager_user):
    api = token_client(manager_user)
    invoice = draft(manager_user)
    response = api.post(lines_url(invoice), {"description": "Freight"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "unitPrice"
    blank = api.post(lines_url(invoice), {"description": " ", "unitPrice": "1"}, format="json")
    assert blank.status_code == 400
    assert invoice.lines.count() == 1


def test_a_posted_invoices_lines_are_not_changed(manager_user):
    api = token_client(manager_user)
    invoice = services.invoice_post(invoice=draft(manager_user), user=manager_user)
    line = invoice.lines.get()
    response = api.patch(
        f"{lines_url(invoice)}({line.pk})", {"quantity": "1"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert "void it with a credit note" in response.json()["error"]["message"]
    added = api.post(lines_url(invoice), {"description": "X", "unitPrice": "1"}, format="json")
    assert added.status_code == 400
    assert invoice.lines.count() == 1


def test_line_edits_need_the_change_permission(manager_user, sales_user):
    invoice = draft(manager_user)
    line = invoice.lines.get()
    seller = token_client(sales_user)
    assert seller.get(lines_url(invoice)).status_code == 200
    url = f"{lines_url(invoice)}({line.pk})"
    assert seller.patch(url, {"quantity": "1"}, format="json", HTTP_IF_MATCH="*").status_code == 403
    assert seller.delete(url, HTTP_IF_MATCH="*").status_code == 403
    posted = seller.post(lines_url(invoice), {"description": "X", "unitPrice": "1"}, format="json")
    assert posted.status_code == 403
    assert invoice.lines.count() == 1
