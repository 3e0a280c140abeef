"""The emails of an invoice or credit note, rendered for core.emails' send job: the text and
HTML from templates/invoicing/email/ and the document as a PDF (core.pdf) when WeasyPrint is
installed."""

from django.conf import settings
from django.template.loader import render_to_string

from core.attachments import attachment_open
from core.emails import RenderedEmail, document_renderer
from core.pdf import PdfUnavailableError, render_pdf
from invoicing import selectors
from invoicing.models import Invoice

RENDERER = "invoicing.emails.invoice_email"


def issued_pdf(invoice: Invoice) -> bytes:
    """The PDF kept when the invoice was posted (invoicing.tasks), else one made now: the
    customer is sent the document as it was issued. Raises PdfUnavailableError when neither
    is possible."""
    from invoicing.tasks import issued_document

    stored = issued_document(invoice)
    if stored is None:
        return invoice_pdf(invoice)
    with attachment_open(stored) as file:
        return file.read()


def invoice_pdf(invoice: Invoice) -> bytes:
    """The printed document as PDF bytes; raises PdfUnavailableError without WeasyPrint."""
    context = {
        "invoice": invoice,
        "pdf": True,
        **selectors.invoice_document_context(invoice),
        **selectors.invoice_print_context(invoice),
    }
    return render_pdf("invoicing/invoice_print.html", context)


@document_renderer
def invoice_email(invoice: Invoice) -> RenderedEmail:
    noun = "Credit note" if invoice.is_credit_note else "Invoice"
    context = {
        "invoice": invoice,
        "noun": noun,
        "COMPANY_NAME": settings.COMPANY_NAME,
        "payment_details": selectors.invoice_print_context(invoice)["payment_details"],
    }
    try:
        attachments = [(f"{invoice.number}.pdf", issued_pdf(invoice), "application/pdf")]
    except PdfUnavailableError:
        attachments = []  # the text says where to read it; the print view always works
    context["has_pdf"] = bool(attachments)
    return RenderedEmail(
        subject=f"{noun} {invoice.number} · {settings.COMPANY_NAME}",
        text=render_to_string("invoicing/email/invoice.txt", context),
        html=render_to_string("invoicing/email/invoice.html", context),
        attachments=attachments,
    )
