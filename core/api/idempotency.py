"""Idempotent POSTs: `Idempotency-Key: <any text>` makes a POST safe to retry.

The first request with a key claims it (a row of core.models.IdempotencyKey, inserted in the
request's own transaction, so a concurrent repeat waits on the unique key and then replays);
its answer is stored when it succeeded. A repeat with the same key and the same method, path
and body gets that stored answer (with `Idempotent-Replayed: true`); the same key with another
request is a 422. A failed request stores nothing, so it may be retried with its key. Keys
expire after settings.API_IDEMPOTENCY_HOURS.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from core.api.errors import IdempotencyKeyReused
from core.models import IdempotencyKey

SCOPE = "api"
KEPT_HEADERS = ("ETag", "Location")


class Replay(Exception):  # noqa: N818 - not an error: the stored answer is sent again
    def __init__(self, record: IdempotencyKey):
        super().__init__(record.key)
        self.record = record


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def expiry_cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def idempotency_claim(*, scope: str, user, key: str, fingerprint: str) -> IdempotencyKey:
    """Claim `key` for this request, in the caller's transaction. Raises Replay with the stored
    answer for a repeat, IdempotencyKeyReused (422) for the same key with another request."""
    if not key or len(key) > 255:
        raise ValidationError({"Idempotency-Key": ["An Idempotency-Key has 1 to 255 characters."]})
    mine = IdempotencyKey.objects.filter(scope=scope, user=user, key=key)
    mine.filter(created_at__lt=expiry_cutoff()).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                scope=scope, user=user, key=key, fingerprint=fingerprint, created_at=timezone.now()
            )
    except IntegrityError:
        record = mine.get()
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    raise Replay(record)


def idempotency_store(record: IdempotencyKey, response) -> None:
    """Keep a successful answer for the repeats of its request."""
    body = None
    if getattr(response, "data", None) is not None:
        body = json.loads(JSONRenderer().render(response.data))
    record.response_status = response.status_code
    record.response_body = body
    record.response_headers = {h: response[h] for h in KEPT_HEADERS if h in response}
    record.save(update_fields=["response_status", "response_body", "response_headers"])


def idempotency_purge() -> int:
    """Delete expired keys; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=expiry_cutoff()).delete()
    return deleted
