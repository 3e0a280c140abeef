"""Approval rules and rounds, for any document (generic: nothing here knows sales orders).

A document type (salesorders) computes the facts its rules test (DocumentFacts, plain data),
asks which active rules match (ApprovalRuleQuerySet / selectors.matching_rules) and opens a
round (services.approval_request_open): the matching rules are copied into steps, so a rule
edited later does not change a running round. Stages run in order; a step passes when enough
of its approvers approved; one reject ends the round. The document type applies the outcome
(approvals never writes the document).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.numbers import ZERO


class ConditionKind(models.TextChoices):
    """What a rule tests of a document's facts (DocumentFacts)."""

    TOTAL_AT_LEAST = "total_at_least", "Total (base currency) at or above"
    NEW_CUSTOMER = "new_customer", "Customer is new"
    EXCEEDS_CREDIT = "exceeds_credit", "Would exceed the customer's credit limit"
    LINE_DISCOUNT_ABOVE = "line_discount_above", "A line discounted above (%)"
    BELOW_SUGGESTED = "below_suggested", "A line priced below its suggestion by more than (%)"


# The kinds whose threshold is a percent (0-100) and those that need one at all.
PERCENT_KINDS = (ConditionKind.LINE_DISCOUNT_ABOVE, ConditionKind.BELOW_SUGGESTED)
THRESHOLD_KINDS = (ConditionKind.TOTAL_AT_LEAST, *PERCENT_KINDS)


@dataclass(frozen=True)
class DocumentFacts:
    """What the rules test of one document, computed by the document's own app.

    `total_base`: its total in the base currency (`currency` names it, for sentences);
    `customer_has_completed`: the customer has a completed document; `customer_age_days`:
    days since the customer was created; `exceeds_credit`: the document would take the
    customer's exposure over its limit; `max_discount_percent`: the largest line discount;
    `max_below_suggested_percent`: the most a line is priced below its suggested price, in %."""

    total_base: Decimal = ZERO
    currency: str = ""
    customer_has_completed: bool = True
    customer_age_days: int = 10_000
    exceeds_credit: bool = False
    max_discount_percent: Decimal = ZERO
    max_below_suggested_percent: Decimal = ZERO


@dataclass(frozen=True)
class StepSpec:
    """A step to open in a round: copied from a rule (ApprovalRule.as_step) or given by the
    document type itself (the credit policy's Credit Control step)."""

    sentence: str
    stage: int
    approver_group_id: int | None
    approver_user_id: int | None
    needed: int = 1
    rule_id: int | None = None


class ApprovalRuleQuerySet(models.QuerySet):
    def active(self) -> "ApprovalRuleQuerySet":
        return self.filter(active=True)

    def for_document(self, content_type: ContentType) -> "ApprovalRuleQuerySet":
        """Active rules of `content_type`'s documents and rules for any document type."""
        return self.active().filter(Q(content_type=content_type) | Q(content_type__isnull=True))


class ApprovalRule(models.Model):
    """Who must approve a document that meets a condition, at which stage."""

    name = models.CharField(max_length=100)
    stage = models.PositiveSmallIntegerField(
        default=1, help_text="Stages run in order: stage 2 waits until stage 1 has passed."
    )
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="document type",
        help_text="Blank: every kind of document that asks for approvals.",
    )
    condition = models.CharField(max_length=30, choices=ConditionKind.choices)
    threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The amount (base currency) or the percent the condition compares with.",
    )
    new_customer_days = models.PositiveIntegerField(
        "new for (days)",
        null=True,
        blank=True,
        help_text="Customer is new: also while created within this many days (blank: only "
        "until its first completed order).",
    )
    approver_group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approver_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approvals_needed = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True)

    objects = ApprovalRuleQuerySet.as_manager()

    class Meta:
        ordering = ["stage", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0),
                name="approvalrule_threshold_not_negative",
                violation_error_message="A threshold cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(Q(approver_group__isnull=True) & Q(approver_user__isnull=False))
                | (Q(approver_group__isnull=False) & Q(approver_user__isnull=True)),
                name="approvalrule_exactly_one_approver",
                violation_error_message="Choose who approves: a group or a user, not both.",
            ),
            models.CheckConstraint(
                condition=Q(approvals_needed__gte=1) & Q(stage__gte=1),
                name="approvalrule_needed_and_stage_positive",
                violation_error_message="A stage needs at least one approval; stages start at 1.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.condition in THRESHOLD_KINDS and self.threshold is None:
            errors["threshold"] = "This condition compares with a threshold; give one."
        if self.threshold is not None and self.threshold < 0:
            errors["threshold"] = "A threshold cannot be negative."
        if self.condition in PERCENT_KINDS and self.threshold is not None and self.threshold > 100:
            errors["threshold"] = "A percent is between 0 and 100."
        if (self.approver_group_id is None) == (self.approver_user_id is None):
            errors["approver_group"] = "Choose who approves: a group or a user, not both."
        if self.approvals_needed is not None and self.approvals_needed < 1:
            errors["approvals_needed"] = "A stage needs at least one approval."
        if errors:
            raise ValidationError(errors)

    def matches(self, facts: DocumentFacts) -> bool:
        """Whether a document with `facts` needs this rule's approval."""
        kind, threshold = self.condition, self.threshold or ZERO
        if kind == ConditionKind.TOTAL_AT_LEAST:
            return facts.total_base >= threshold
        if kind == ConditionKind.NEW_CUSTOMER:
            recent = self.new_customer_days is not None and (
                facts.customer_age_days < self.new_customer_days
            )
            return not facts.customer_has_completed or recent
        if kind == ConditionKind.EXCEEDS_CREDIT:
            return facts.exceeds_credit
        if kind == ConditionKind.LINE_DISCOUNT_ABOVE:
            return facts.max_discount_percent > threshold
        if kind == ConditionKind.BELOW_SUGGESTED:
            return facts.max_below_suggested_percent > threshold
        return False

    def sentence(self, facts: DocumentFacts | None = None) -> str:
        """Why a document needs this approval, as the approver reads it."""
        kind, threshold = self.condition, self.threshold or ZERO
        currency = f" {facts.currency}" if facts and facts.currency else ""
        if kind == ConditionKind.TOTAL_AT_LEAST:
            return f"Total at or above {threshold:,.2f}{currency}."
        if kind == ConditionKind.NEW_CUSTOMER:
            if self.new_customer_days:
                return (
                    "New customer: no completed order yet, or created within "
                    f"{self.new_customer_days} days."
                )
            return "New customer: no completed order yet."
        if kind == ConditionKind.EXCEEDS_CREDIT:
            return "Would exceed the customer's credit limit."
        if kind == ConditionKind.LINE_DISCOUNT_ABOVE:
            return f"A line is discounted by more than {threshold.normalize():f}%."
        return f"A line is priced more than {threshold.normalize():f}% below its suggested price."

    def as_step(self, facts: DocumentFacts | None = None) -> StepSpec:
        return StepSpec(
            sentence=f"{self.name}: {self.sentence(facts)}",
            stage=self.stage,
            approver_group_id=self.approver_group_id,
            approver_user_id=self.approver_user_id,
            needed=self.approvals_needed,
            rule_id=self.pk,
        )


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    # The document changed (or was cancelled) while the round ran: it no longer counts.
    WITHDRAWN = "withdrawn", "Withdrawn"


class ApprovalRequestQuerySet(models.QuerySet):
    def for_document(self, document: models.Model) -> "ApprovalRequestQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(document), object_id=document.pk
        )

    def pending(self) -> "ApprovalRequestQuerySet":
        return self.filter(status=RequestStatus.PENDING)


class ApprovalRequest(models.Model):
    """One round of approvals of one document: submitted, then approved, rejected or
    withdrawn. Resubmitting opens the next round."""

    Status = RequestStatus

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The stage whose steps wait now (0 once the round is over).
    current_stage = models.PositiveSmallIntegerField(default=1)
    # Neither may decide a step of this round: who submitted it and who made the document.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    document_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["content_type", "object_id", "-round"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "round"], name="approvalrequest_one_per_round"
            ),
            # At most one running round per document.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="pending"),
                name="approvalrequest_one_pending",
            ),
        ]
        indexes = [
            models.Index(
                fields=["current_stage"],
                condition=Q(status="pending"),
                name="approvalrequest_pending_stage",
            )
        ]

    def __str__(self) -> str:
        return f"Round {self.round} of {self.content_type.model} {self.object_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED


class StepStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ApprovalStep(models.Model):
    """One approval a round needs, copied from a rule when the round opened."""

    Status = StepStatus

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    rule = models.ForeignKey(
        ApprovalRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sentence = models.CharField(max_length=300)
    stage = models.PositiveSmallIntegerField()
    approver_group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approver_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    needed = models.PositiveSmallIntegerField(default=1)
    approvals = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)

    class Meta:
        ordering = ["request", "stage", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(approver_group__isnull=True) & Q(approver_user__isnull=False))
                | (Q(approver_group__isnull=False) & Q(approver_user__isnull=True)),
                name="approvalstep_exactly_one_approver",
            ),
            models.CheckConstraint(
                condition=Q(needed__gte=1) & Q(approvals__lte=F("needed")),
                name="approvalstep_approvals_within_needed",
            ),
        ]
        indexes = [models.Index(fields=["request", "stage"], name="approvalstep_request_stage")]

    def __str__(self) -> str:
        return self.sentence

    @property
    def approver_name(self) -> str:
        if self.approver_user_id:
            user = self.approver_user
            return user.get_full_name() or user.get_username()
        return self.approver_group.name if self.approver_group_id else ""


class DecisionKind(models.TextChoices):
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"


class ApprovalDecision(models.Model):
    """One person's decision on one step: at most one per person per step."""

    Kind = DecisionKind

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="approvaldecision_one_per_user"),
            models.CheckConstraint(
                condition=~Q(decision="reject") | ~Q(comment=""),
                name="approvaldecision_reject_has_comment",
                violation_error_message="Say why you reject it.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.user}"
