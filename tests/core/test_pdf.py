"""PDF documents (core.pdf): WeasyPrint renders the print templates offline; without it the
PDF link names what to install and the print view keeps working."""

import re
import sys

import pytest
from django.urls import reverse

from core import pdf
from salesorders import services
from tests.factories import CustomerFactory, PartFactory, SalesOrderLineFactory

pytestmark = pytest.mark.django_db

weasyprint_missing = pytest.mark.skipif(
    not pdf.pdf_available(),
    reason="WeasyPrint or its libraries are not installed here",
)


@pytest.fixture
def order(sales_user):
    order = services.salesorder_create(customer=CustomerFactory(name="Acme Tools"), user=sales_user)
    SalesOrderLineFactory(order=order, part=PartFactory(sku="BOLT-1", name="Bolt"))
    return order


def test_static_file_serves_static_urls_from_disk_and_nothing_else():
    assert pdf.static_file("/static/app/app.css").name == "app.css"
    assert pdf.static_file("http://testserver/static/css/bootstrap.min.css").is_file()
    assert pdf.static_file("/static/../config/settings.py") is None
    assert pdf.static_file("/media/x.css") is None
    with pytest.raises(ValueError, match="Not fetched"):
        pdf.fetched_static("https://example.com/font.woff")


@weasyprint_missing
def test_order_confirmation_pdf_is_a_pdf_of_the_order(sales_client, order):
    response = sales_client.get(reverse("salesorders:pdf", args=[order.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="order-{order.reference}.pdf"' in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert len(content) > 2_000


@weasyprint_missing
def test_order_confirmation_pdf_names_the_order(rf, order):
    """Uncompressed, the PDF's outline and title are plain strings (the body text is glyph
    ids, not searchable without a PDF parser, which we do not add for a test)."""
    content = pdf.render_pdf(
        "salesorders/order_print.html",
        {"order": order, "lines": list(order.lines.all()), "pdf": True},
        request=rf.get("/"),
        uncompressed_pdf=True,
    )
    titles = _titles(content)
    assert f"Order confirmation {order.reference} · Northwind Supply" in titles  # metadata
    assert "Northwind Supply" in titles  # the h1: the outline's first entry


def _titles(content: bytes) -> list[str]:
    """The /Title strings of an uncompressed PDF: literal, or UTF-16 hex when not ASCII."""
    found = [t.decode("latin-1") for t in re.findall(rb"/Title \(([^)]*)\)", content)]
    found += [
        bytes.fromhex(t.decode()).decode("utf-16")
        for t in re.findall(rb"/Title <([0-9A-Fa-f]+)>", content)
    ]
    return found


def test_a_pending_order_prints_with_a_draft_mark(sales_client, sales_user, order):
    html = sales_client.get(reverse("salesorders:print", args=[order.pk])).content.decode()
    assert 'data-testid="draft-mark"' in html and "DRAFT" in html
    services.salesorder_issue(order=order, user=sales_user)
    html = sales_client.get(reverse("salesorders:print", args=[order.pk])).content.decode()
    assert "DRAFT" not in html


def test_without_weasyprint_the_pdf_link_says_what_to_install(sales_client, order, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails
    response = sales_client.get(reverse("salesorders:pdf", args=[order.pk]))
    assert response.status_code == 503
    html = response.content.decode()
    assert "pip install weasyprint" in html and "libpango-1.0-0" in html
    assert reverse("salesorders:print", args=[order.pk]) in html
    assert sales_client.get(reverse("salesorders:print", args=[order.pk])).status_code == 200


def test_pdf_needs_the_permission_to_see_the_order(client, user, order):
    client.force_login(user)
    assert client.get(reverse("salesorders:pdf", args=[order.pk])).status_code == 403
