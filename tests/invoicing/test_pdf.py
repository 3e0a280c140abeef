"""Invoice and credit note documents: the print view with what an invoice must carry, and the
same document as PDF (or, without WeasyPrint, a page naming what to install)."""

import sys

import pytest
from django.test import override_settings
from django.urls import reverse

from core import pdf
from core.numbers import format_date
from invoicing import services
from tests.factories import CustomerFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(manager_user):
    customer = CustomerFactory(tax_number="DE811111111")
    order = make_order(manager_user, [("10", "10.0000"), ("2", "5.0000")], customer=customer)
    ship(order, manager_user)
    return services.invoice_create_from_order(order=order, user=manager_user)


@override_settings(
    COMPANY_NAME="Acme Supply",
    COMPANY_ADDRESS="1 Dock Road\nHamburg",
    COMPANY_VAT_NUMBER="DE999999999",
    PAYMENT_DETAILS="IBAN DE00 1234",
)
def test_invoice_print_view_carries_what_an_invoice_must(manager_client, manager_user, invoice):
    url = reverse("invoicing:invoice-print", args=[invoice.pk])
    html = manager_client.get(url).content.decode()
    assert 'data-testid="draft-mark"' in html  # a draft says so
    invoice = services.invoice_post(invoice=invoice, user=manager_user)
    html = manager_client.get(url).content.decode()
    assert "DRAFT" not in html and invoice.number in html
    assert "Acme Supply" in html and "1 Dock Road" in html and "DE999999999" in html
    assert "Your VAT number: DE811111111" in html
    assert f"Due date: {format_date(invoice.due_date)}" in html
    assert "IBAN DE00 1234" in html and 'data-testid="tax-breakdown"' in html
    assert "navbar" not in html


def test_credit_note_prints_as_a_credit_note_of_its_invoice(manager_client, manager_user, invoice):
    invoice = services.invoice_post(invoice=invoice, user=manager_user)
    credit_note = services.invoice_void(invoice=invoice, reason="Returned", user=manager_user)
    html = manager_client.get(
        reverse("invoicing:invoice-print", args=[credit_note.pk])
    ).content.decode()
    assert f"Credit note {credit_note.number}" in html
    assert f"Credits invoice {invoice.number}" in html
    assert "−" in html or "-" in html


@pytest.mark.skipif(not pdf.pdf_available(), reason="WeasyPrint or its libraries are missing")
def test_invoice_pdf_is_a_pdf_named_for_the_invoice(manager_client, manager_user, invoice):
    invoice = services.invoice_post(invoice=invoice, user=manager_user)
    response = manager_client.get(reverse("invoicing:invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2_000


def test_invoice_pdf_without_weasyprint_points_at_the_print_view(
    manager_client, invoice, monkeypatch
):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = manager_client.get(reverse("invoicing:invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 503
    html = response.content.decode()
    assert "libpango-1.0-0" in html
    assert reverse("invoicing:invoice-print", args=[invoice.pk]) in html
