"""Tables every app may use: generic records of requests already answered, and attachments."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


def user_stamp() -> models.ForeignKey:
    """Who did something to a row (posted it, voided it, delivered it): a user, kept even if
    the user is deactivated, set only by the services (never in a form), no reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )


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


class AttachmentQuerySet(models.QuerySet):
    def live(self):
        """Not deleted: what the pages and the API list."""
        return self.filter(is_deleted=False)

    def of(self, parent: models.Model):
        """The attachments of `parent` (any model instance), newest first."""
        content_type = ContentType.objects.get_for_model(parent, for_concrete_model=False)
        return self.filter(content_type=content_type, object_id=parent.pk).order_by(
            "-uploaded_at", "-pk"
        )


class Attachment(models.Model):
    """A supporting document (a quote, a signed agreement, a customer's PO) kept with any
    record: an order, a customer, an invoice. The file sits in the private "attachments"
    storage under `stored_name` (a random name, never the uploaded one); `content_type_sniffed`
    is what its bytes are (core.sniff), not what its name says. Deleting only marks it deleted
    (`is_deleted`, as Codat's isDeleted): the file and the row stay. Written by
    core.attachments' services only."""

    class Category(models.TextChoices):
        QUOTE = "quote", "Quote"
        SIGNED_AGREEMENT = "signed_agreement", "Signed agreement"
        CUSTOMER_PO = "customer_po", "Customer PO"
        OTHER = "other", "Other"
        # The document as it was issued (a posted invoice's PDF), stored by the app that made
        # it; never chosen for an upload.
        GENERATED = "generated", "Generated document"

        @classmethod
        def uploadable(cls) -> list[tuple[str, str]]:
            """The categories a person may choose for an upload."""
            return [(value, label) for value, label in cls.choices if value != cls.GENERATED]

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    parent = GenericForeignKey("content_type", "object_id")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255, unique=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type_sniffed = models.CharField("content type", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    is_deleted = models.BooleanField(default=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            # The attachments of one object, as its page and API list them.
            models.Index(
                fields=["content_type", "object_id", "-uploaded_at"],
                condition=Q(is_deleted=False),
                name="attachment_live_of_object",
            ),
            models.Index(fields=["content_type", "object_id"], name="attachment_of_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_deleted=False, deleted_at__isnull=True)
                | Q(is_deleted=True, deleted_at__isnull=False),
                name="attachment_deleted_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def can_delete(self) -> bool:
        """A generated document is the record of what was issued: it stays."""
        return not self.is_deleted and self.category != self.Category.GENERATED


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
