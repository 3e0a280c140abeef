"""Tables every app may use."""

from django.conf import settings
from django.db import models


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
