"""Tables every app may use: generic records of requests already answered."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
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


class JobStateQuerySet(models.QuerySet):
    def failing(self) -> "JobStateQuerySet":
        """Jobs that need attention: waiting for their next attempt, or dead."""
        return self.filter(status__in=[JobState.Status.RETRYING, JobState.Status.DEAD])


class JobState(models.Model):
    """What a background job's attempts came to, kept for a job that failed at least once
    (a job that succeeds the first time leaves only its task row: enqueueing costs one INSERT).

    Every attempt is one django-tasks-db task row (`DBTaskResult`); a retry is a new row,
    enqueued with `run_after` set by the backoff. `job_id` is the first attempt's row id (the
    job's name for ever), `current_result_id` the latest attempt's. Written by core.tasks only.
    """

    class Status(models.TextChoices):
        RETRYING = "retrying", "Retrying"
        DEAD = "dead", "Dead"
        SUCCEEDED = "succeeded", "Succeeded after retry"

    job_id = models.UUIDField(unique=True, editable=False)
    current_result_id = models.UUIDField(unique=True)
    task_path = models.CharField(max_length=300)
    # The job's arguments, copied: Retry works after the task rows were pruned.
    args_kwargs = models.JSONField(default=dict)
    queue_name = models.CharField(max_length=32, default="default")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RETRYING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField()
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_enqueued_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = JobStateQuerySet.as_manager()

    class Meta:
        verbose_name = "job"
        ordering = ["-updated_at", "pk"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="jobstate_status_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} {str(self.job_id)[:8]}"

    @property
    def task_name(self) -> str:
        return self.task_path.rsplit(".", 1)[-1]

    @property
    def error_summary(self) -> str:
        """The last line of the last error (the exception and its message)."""
        lines = [line for line in self.last_error.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def can_retry(self) -> bool:
        return self.status in (self.Status.RETRYING, self.Status.DEAD)


class EmailMessageLog(models.Model):
    """One email of a document (an order's confirmation, an invoice) asked for once: its
    recipient, status and when it was sent. Generic (content type + object id) so every
    document app uses the same table; written by core.emails only.

    `request_token` is the asking request's own token: the same request twice (a double
    click, a retried POST) finds this row and queues nothing more."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=50)
    renderer = models.CharField(max_length=200)
    recipient = models.EmailField()
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    request_token = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "email message"
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-requested_at"], name="emaillog_document_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.get_status_display()})"
