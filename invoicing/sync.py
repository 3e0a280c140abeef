"""Pushing invoices, voids and payments to the accounting provider (accounting.providers),
as background jobs (core.tasks): an outbox with retries that never duplicate.

`sync_enqueue` runs inside the service's transaction (invoice_post, invoice_void,
payment_record) when settings.ACCOUNTING_PROVIDER is set: one InvoiceSync row (Pending, with
its idempotency key made once, here) and one job row, committed or rolled back with the
change. The job `push_to_provider`:

1. does nothing when the push is already Pushed;
2. takes a call from the provider's per-minute window (accounting.providers.rate_limit_take),
   or is deferred to the next window without counting as an attempt;
3. locks the InvoiceSync row (two attempts of one push never run at once), calls the
   provider with the row's idempotency key, and records the answer in that transaction:
   Pushed with the provider's id and number; Failed with the provider's message
   (Permanent: no retry); Pending with the error (Retryable: core.tasks retries it with its
   backoff, never before the provider's Retry-After); Dead once the attempts run out.

`sync_retry` (the Sync page's Retry) queues a Failed or Dead push again through
core.tasks.job_retry: the same row, so the same idempotency key.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounting.providers import (
    Permanent,
    ProviderError,
    Retryable,
    provider_client,
    rate_limit_take,
)
from core.exceptions import DomainError
from core.models import JobState
from core.tasks import (
    Attempt,
    JobDeferred,
    PermanentJobError,
    TemporaryJobError,
    job,
    job_enqueue,
    job_retry,
)
from invoicing.models import Invoice, InvoiceSync, Payment, SyncAction, SyncStatus

TASK_PATH = "invoicing.sync.push_to_provider"


class SyncStateError(DomainError):
    """A push was asked to do what its state does not allow (retry one that was pushed)."""


def sync_enqueue(
    *, invoice: Invoice, action: str, payment: Payment | None = None
) -> InvoiceSync | None:
    """Queue the push of `invoice`'s `action` (SyncAction) in the caller's transaction: the
    state row and its job (two INSERTs). None when no provider is configured, and for a
    void or a payment of an invoice that was never pushed (posted before the provider was
    connected: the provider has nothing to update)."""
    if not settings.ACCOUNTING_PROVIDER:
        return None
    if action != SyncAction.POST and not invoice.syncs.filter(action=SyncAction.POST).exists():
        return None
    subject = f"payment-{payment.pk}" if payment is not None else f"invoice-{invoice.pk}-{action}"
    sync = InvoiceSync.objects.create(
        invoice=invoice,
        action=action,
        payment=payment,
        provider=settings.ACCOUNTING_PROVIDER,
        idempotency_key=f"{subject}-{uuid.uuid4().hex[:16]}",
        next_attempt_at=timezone.now(),
    )
    job_enqueue(push_to_provider, sync.pk)
    return sync


@transaction.atomic
def sync_retry(*, sync: InvoiceSync, user: AbstractBaseUser) -> InvoiceSync:
    """Queue a Failed or Dead push again (after its data was fixed), with the same
    idempotency key. Locks the InvoiceSync row, then the job's state row (core.tasks).

    Raises SyncStateError when the push is not Failed or Dead."""
    sync = InvoiceSync.objects.select_for_update().get(pk=sync.pk)
    if not sync.can_retry():
        raise SyncStateError(
            f"{sync} is {sync.get_status_display().lower()}: only a failed or dead push "
            "can be retried."
        )
    state = _job_state(sync.pk)
    if state is not None and state.can_retry():
        job_retry(state=state, user=user)  # its on_retry marks the row Pending
    else:
        job_enqueue(push_to_provider, sync.pk)
        _mark_retried(sync.pk)
    sync.refresh_from_db()
    return sync


def _job_state(sync_id: int) -> JobState | None:
    """The latest core.tasks state of the push's job (it exists once an attempt failed)."""
    return (
        JobState.objects.filter(task_path=TASK_PATH, args_kwargs={"args": [sync_id], "kwargs": {}})
        .order_by("-first_enqueued_at", "-pk")
        .first()
    )


def _mark_retried(sync_id: int) -> None:
    InvoiceSync.objects.filter(pk=sync_id, status__in=[SyncStatus.FAILED, SyncStatus.DEAD]).update(
        status=SyncStatus.PENDING, next_attempt_at=timezone.now(), updated_at=timezone.now()
    )


def _record_failure(message: str, dead: bool, sync_id: int) -> None:
    """core.tasks' on_failure (in its transaction): the next attempt's time, and Dead once
    the job is dead (a push the provider refused stays Failed)."""
    state = _job_state(sync_id)
    update = {"updated_at": timezone.now(), "last_error": message[:2000]}
    if dead:
        update |= {"status": SyncStatus.DEAD, "next_attempt_at": None}
    elif state is not None:
        update["next_attempt_at"] = state.next_attempt_at
    InvoiceSync.objects.filter(pk=sync_id, status=SyncStatus.PENDING).update(**update)


@job(on_failure=_record_failure, on_retry=_mark_retried)
def push_to_provider(attempt: Attempt, sync_id: int) -> str:
    """Push InvoiceSync `sync_id` unless it is Pushed already (see the module docstring)."""
    peek = InvoiceSync.objects.filter(pk=sync_id).values("status", "provider").first()
    if peek is None:
        raise PermanentJobError(f"Accounting sync {sync_id} no longer exists.")
    if peek["status"] == SyncStatus.PUSHED:
        return "already pushed"
    if peek["provider"] != settings.ACCOUNTING_PROVIDER:
        raise PermanentJobError(
            f"This push was for {peek['provider']}, but ACCOUNTING_PROVIDER is now "
            f"{settings.ACCOUNTING_PROVIDER or 'off'}."
        )
    deferred_to = rate_limit_take(peek["provider"])
    if deferred_to is not None:
        raise JobDeferred(deferred_to)
    with transaction.atomic():
        rows = InvoiceSync.objects.select_for_update(of=("self",)).select_related(
            "invoice__customer"
        )
        sync = rows.get(pk=sync_id)
        if sync.status == SyncStatus.PUSHED:
            return "already pushed"
        try:
            result = _push(sync)
        except ProviderError as error:
            failure = error
            sync.last_error = str(error)[:2000]
            if isinstance(error, Permanent):
                sync.status, sync.next_attempt_at = SyncStatus.FAILED, None
        else:
            failure = None
            sync.status, sync.last_error = SyncStatus.PUSHED, ""
            sync.external_id, sync.external_number = result.external_id, result.external_number
            sync.pushed_at, sync.next_attempt_at = timezone.now(), None
        sync.attempts = attempt.number
        # Saved even when the push failed: the error shows, and a token refreshed on the way
        # (the same transaction) is kept.
        sync.save()
    if isinstance(failure, Permanent):
        raise PermanentJobError(str(failure)) from failure
    if failure is not None:
        raise TemporaryJobError(str(failure), retry_after=failure.retry_after) from failure
    return f"pushed as {result.external_id}"


def _push(sync: InvoiceSync):
    client = provider_client()
    if sync.action == SyncAction.POST:
        return client.push_invoice(invoice_payload(sync.invoice), sync.idempotency_key)
    pushed = (
        InvoiceSync.objects.filter(invoice_id=sync.invoice_id, action=SyncAction.POST)
        .values("status", "external_id")
        .first()
    )
    if pushed is None:
        raise Permanent(
            f"{sync.invoice} was never pushed to the provider, so it has nothing to update."
        )
    if pushed["status"] != SyncStatus.PUSHED:
        raise Retryable(f"Waiting for {sync.invoice} itself to reach the provider first.")
    if sync.action == SyncAction.VOID:
        payload = {"external_id": pushed["external_id"], "number": sync.invoice.number}
        return client.void_invoice(payload, sync.idempotency_key)
    return client.push_payment(
        payment_payload(sync.payment, invoice=sync.invoice, external_id=pushed["external_id"]),
        sync.idempotency_key,
    )


def invoice_payload(invoice: Invoice) -> dict:
    """The invoice as the providers' neutral payload: amounts as strings of the stored
    Decimals (never floats); a line's `amount` is what it adds to the invoice (net after its
    share of the order discount, or gross when prices include tax)."""
    lines = invoice.lines.select_related("revenue_account").order_by("sort_order", "pk")
    return {
        "number": invoice.number,
        "date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "currency": invoice.currency,
        "currency_rate": str(invoice.currency_rate),
        "reference": invoice.customer_reference,
        "prices_include_tax": invoice.prices_include_tax,
        "customer": {
            "code": invoice.customer.code,
            "name": invoice.customer_name,
            "tax_number": invoice.customer_tax_number,
        },
        "lines": [
            {
                "description": line.description,
                "sku": line.sku,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "discount_percent": str(line.discount_percent),
                "tax_name": line.tax_name,
                "tax_percent": str(line.tax_percent),
                "tax_amount": str(line.tax_amount),
                "amount": str(
                    line.total
                    if invoice.prices_include_tax
                    else line.subtotal - line.order_discount
                ),
                "account_code": line.revenue_account.code if line.revenue_account else "",
            }
            for line in lines
        ],
        "subtotal": str(invoice.subtotal),
        "tax_total": str(invoice.tax_total),
        "total": str(invoice.total),
    }


def _line_amount(line, gross: bool):
    return line.total if gross else line.subtotal - line.order_discount


def payment_payload(payment: Payment, *, invoice: Invoice, external_id: str) -> dict:
    return {
        "invoice_external_id": external_id,
        "customer_code": invoice.customer.code,
        "currency": invoice.currency,
        "amount": str(payment.amount),
        "date": payment.payment_date.isoformat(),
        "reference": payment.reference or invoice.number,
    }
