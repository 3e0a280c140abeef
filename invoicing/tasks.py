"""Background jobs of invoicing, enqueued inside the transaction that causes them."""

from django.core.files.base import ContentFile
from django.db import transaction

from core.attachments import attachment_add
from core.models import Attachment
from core.pdf import PdfUnavailableError
from core.tasks import Attempt, PermanentJobError, job, job_enqueue
from invoicing.emails import invoice_pdf
from invoicing.models import Invoice


def issued_document(invoice: Invoice) -> Attachment | None:
    """The PDF stored when `invoice` was posted, if it has been made yet."""
    return (
        Attachment.objects.live()
        .of(invoice)
        .filter(category=Attachment.Category.GENERATED)
        .order_by("uploaded_at", "pk")
        .first()
    )


def issued_document_enqueue(invoice: Invoice) -> None:
    """Queue the archiving of `invoice`'s PDF, in the caller's transaction (the posting): it
    commits or rolls back with it. One INSERT."""
    job_enqueue(store_issued_document, invoice.pk)


@job()
def store_issued_document(attempt: Attempt, invoice_id: int) -> int | None:
    """Render the posted invoice (or credit note) as PDF and keep it as a "Generated document"
    attachment of the invoice: what the customer was sent, as it was on posting. Locks the
    invoice row, so a second run (a retry after a lost worker) finds the first one's file and
    stores nothing. Returns the attachment's id.

    A missing WeasyPrint is a permanent failure (the Jobs page shows why)."""
    with transaction.atomic():
        # posted_by is read after the lock: FOR UPDATE cannot cover a nullable outer join.
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        existing = issued_document(invoice)
        if existing is not None:
            return existing.pk
        try:
            content = invoice_pdf(invoice)
        except PdfUnavailableError as error:
            raise PermanentJobError(f"{invoice} was not stored as PDF: {error}") from error
        attachment = attachment_add(
            parent=invoice,
            uploaded_file=ContentFile(content, name=f"{invoice.number}.pdf"),
            category=Attachment.Category.GENERATED,
            user=invoice.posted_by,
        )
        return attachment.pk
