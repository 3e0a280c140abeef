"""Emails of documents to customers (an order's confirmation, an invoice): one background job
per message, one `EmailMessageLog` row per request, never sent twice for one request.

A document app writes a renderer, `@document_renderer def render(document) -> RenderedEmail`
(subject, plain text, HTML, attachments), and its service calls `document_email_enqueue`
inside its transaction with the renderer's dotted path. The job (`send_document_email`)
locks the log row, does nothing when it is already Sent, renders, sends through Django's
email backend (settings.EMAIL_*), and marks it Sent in the same transaction. A temporary
SMTP refusal (4xx, a dropped connection, a timeout) is retried with backoff (core.tasks); a
permanent one (5xx) fails the message at once, with the server's answer shown.
"""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.exceptions import DomainError
from core.models import EmailMessageLog
from core.tasks import Attempt, PermanentJobError, TemporaryJobError, job, job_enqueue


class EmailRecipientError(DomainError):
    """The document has nobody to send it to."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str = ""
    # (file name, content, MIME type): e.g. the invoice's PDF from core.pdf.
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def document_renderer(func: Callable[[models.Model], RenderedEmail]):
    """Mark a function as a renderer `send_document_email` may call (its dotted path is stored
    on the log row; nothing else found at a stored path is run)."""
    func.is_document_renderer = True
    return func


def document_email_enqueue(
    *,
    document: models.Model,
    renderer: str,
    kind: str,
    recipient: str,
    request_token: str,
    user: AbstractBaseUser | None,
) -> tuple[EmailMessageLog, bool]:
    """Queue one email of `document` to `recipient`, rendered by `renderer` (the dotted path
    of a @document_renderer), in the caller's transaction: the log row (Queued) and its job
    commit or roll back with it. Returns (log, created): a second call with the same
    `request_token` returns the first call's row and queues nothing.

    Raises EmailRecipientError when `recipient` is empty."""
    if not recipient:
        raise EmailRecipientError(f"{document} has no email address to send it to.")
    existing = EmailMessageLog.objects.filter(request_token=request_token).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin's insert wins
                log = EmailMessageLog.objects.create(
                    content_type=ContentType.objects.get_for_model(document),
                    object_id=document.pk,
                    kind=kind,
                    renderer=renderer,
                    recipient=recipient,
                    request_token=request_token,
                    requested_by=user,
                )
        except IntegrityError:
            return EmailMessageLog.objects.get(request_token=request_token), False
        job_enqueue(send_document_email, log.pk)
    return log, True


def document_emails(document: models.Model, *, limit: int = 5) -> list[EmailMessageLog]:
    """The latest emails of `document`, newest first (one query)."""
    return list(
        EmailMessageLog.objects.filter(
            content_type=ContentType.objects.get_for_model(document), object_id=document.pk
        )[:limit]
    )


def _record_failure(error: str, dead: bool, log_id: int) -> None:
    """core.tasks' on_failure: the log shows the error; Failed once the job is dead."""
    update = {"error": error[:2000]}
    if dead:
        update["status"] = EmailMessageLog.Status.FAILED
    EmailMessageLog.objects.filter(pk=log_id).exclude(status=EmailMessageLog.Status.SENT).update(
        **update
    )


def _record_retry(log_id: int) -> None:
    EmailMessageLog.objects.filter(pk=log_id, status=EmailMessageLog.Status.FAILED).update(
        status=EmailMessageLog.Status.QUEUED
    )


@job(on_failure=_record_failure, on_retry=_record_retry)
def send_document_email(attempt: Attempt, log_id: int) -> str:
    """Send the message of log `log_id` unless it was sent already. Holds the log's row lock
    from the check to the Sent mark, so two attempts (a reaped worker that was only slow)
    never both send."""
    with transaction.atomic():
        log = EmailMessageLog.objects.select_for_update().filter(pk=log_id).first()
        if log is None:
            raise PermanentJobError(f"Email {log_id} no longer exists.")
        if log.status == EmailMessageLog.Status.SENT:
            return "already sent"
        document = log.content_type.get_all_objects_for_this_type().filter(pk=log.object_id)
        document = document.first()
        if document is None:
            raise PermanentJobError(f"The {log.content_type.name} {log.object_id} is gone.")
        rendered = _renderer(log.renderer)(document)
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[log.recipient],
            # One Message-ID per request: a receiver can tell a resend from a new message.
            headers={"Message-ID": f"<{log.request_token}.{log.pk}@{_mail_domain()}>"},
        )
        if rendered.html:
            message.attach_alternative(rendered.html, "text/html")
        for name, content, mimetype in rendered.attachments:
            message.attach(name, content, mimetype)
        _send(message)
        log.status, log.emailed_at, log.error = EmailMessageLog.Status.SENT, timezone.now(), ""
        log.subject = rendered.subject[:300]
        log.save(update_fields=["status", "emailed_at", "error", "subject"])
    return "sent"


def _send(message: EmailMultiAlternatives) -> None:
    """Send, sorting the SMTP server's refusals into temporary (4xx: retried) and permanent
    (5xx: not retried)."""
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        answer = "; ".join(
            f"{to}: {code} {_text(msg)}" for to, (code, msg) in error.recipients.items()
        )
        if all(400 <= code < 500 for code in codes):
            raise TemporaryJobError(f"Recipient refused for now: {answer}") from error
        raise PermanentJobError(f"Recipient refused: {answer}") from error
    except smtplib.SMTPResponseException as error:
        answer = f"{error.smtp_code} {_text(error.smtp_error)}"
        if 400 <= error.smtp_code < 500:
            raise TemporaryJobError(f"The mail server refused for now: {answer}") from error
        raise PermanentJobError(f"The mail server refused: {answer}") from error
    except (smtplib.SMTPException, OSError) as error:  # a timeout is an OSError
        raise TemporaryJobError(f"The mail server could not be reached: {error}") from error


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _renderer(path: str) -> Callable[[models.Model], RenderedEmail]:
    try:
        renderer = import_string(path)
    except ImportError as error:
        raise PermanentJobError(f"No email renderer {path}.") from error
    if not getattr(renderer, "is_document_renderer", False):
        raise PermanentJobError(f"{path} is not a document email renderer.")
    return renderer


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    return sender or "localhost"
