"""Clients of the accounting providers invoices are pushed to (Xero, QuickBooks Online).

One small interface, `Provider`: `push_invoice`, `void_invoice` and `push_payment`, each
taking a provider-neutral payload (a dict: see invoicing.sync for the mapping) and an
idempotency key that stays the same across every retry of one push, and returning a
`PushResult` (the provider's id and number). Failures are sorted into two exceptions:
`Retryable` (429, 5xx, a timeout, a dropped connection: try again, not before
`retry_after`) and `Permanent` (any other refusal: trying again cannot help; the provider's
own message is kept). A provider's answer that it already has the document (a repeated
idempotency key, a duplicate document number with the existing id) is a success.

`provider_client()` is the client settings.ACCOUNTING_PROVIDER names, or None when off.
"""

from django.conf import settings

from accounting.models import AccountingProvider
from accounting.providers.base import Permanent, Provider, ProviderError, PushResult, Retryable
from accounting.providers.ratelimit import rate_limit_take

__all__ = [
    "Permanent",
    "Provider",
    "ProviderError",
    "PushResult",
    "Retryable",
    "provider_client",
    "rate_limit_take",
]


def provider_client() -> Provider | None:
    """The configured provider's client, or None when ACCOUNTING_PROVIDER is empty."""
    name = settings.ACCOUNTING_PROVIDER
    if not name:
        return None
    if name == AccountingProvider.XERO:
        from accounting.providers.xero import XeroProvider

        return XeroProvider()
    if name == AccountingProvider.QUICKBOOKS:
        from accounting.providers.quickbooks import QuickBooksProvider

        return QuickBooksProvider()
    raise Permanent(f"ACCOUNTING_PROVIDER={name!r} is not a provider: use xero or quickbooks.")
