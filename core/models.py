"""Tables every app may use: generic records of requests already answered."""

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first answer to a request sent with an idempotency key, kept so a repeat of the
    same request gets that answer instead of doing the work twice.

    Generic: `scope` says who uses it ("api" for an API POST's Idempotency-Key header; a form
    guarding against double submits may use its own scope), `fingerprint` is a hash of what
    was asked (method, path, body), so the same key with another request is refused. Rows
    older than settings.API_IDEMPOTENCY_HOURS are expired (see core.api.idempotency)."""

    scope = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "user", "key"], name="one_idempotency_key_per_user_and_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class OnceToken(models.Model):
    """One submission of a form (or, later, one API request's Idempotency-Key): the first
    request that brings the key does the work and stores where its result is; a repeat of
    the key is shown that result instead of doing the work again. See core.once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    result_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="oncetoken_one_per_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.result_url}"
