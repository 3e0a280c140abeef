"""Every write to approvals. Generic: the document is any model instance; its app computes the
facts, chooses the steps and applies the outcome.

Lock order: the document's own rows first (its app locks them: Customer -> SalesOrder), then
the document's approval round (ApprovalRequest), right after its document. Every public
function runs in the caller's transaction (atomic), raises an ApprovalError with a sentence
and writes nothing when it raises.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from approvals.exceptions import (
    AlreadyDecidedError,
    ApprovalError,
    ApprovalRuleError,
    DecisionRefusedError,
)
from approvals.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStep,
    DecisionKind,
    RequestStatus,
    StepSpec,
    StepStatus,
)


@dataclass(frozen=True)
class DecisionOutcome:
    """What a decision did: the round's status afterwards ("pending", "approved",
    "rejected"), whether the step passed with it and the stage that waits next (0: none)."""

    request: ApprovalRequest
    step: ApprovalStep
    decision: ApprovalDecision
    status: str
    step_passed: bool
    next_stage: int

    @property
    def approved(self) -> bool:
        return self.status == RequestStatus.APPROVED

    @property
    def rejected(self) -> bool:
        return self.status == RequestStatus.REJECTED


@transaction.atomic
def approval_rule_save(*, rule: ApprovalRule) -> ApprovalRule:
    """Validate and save a rule (the admin and the rules page). Raises ApprovalRuleError with
    the field errors: a negative threshold, a missing one, no approver or two."""
    try:
        rule.full_clean()
    except ValidationError as error:
        raise ApprovalRuleError(error.message_dict) from None
    rule.save()
    return rule


def _lock_pending(content_type: ContentType, object_id: int) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update()
        .filter(content_type=content_type, object_id=object_id, status=RequestStatus.PENDING)
        .first()
    )


@transaction.atomic
def approval_request_open(
    *,
    document: models.Model,
    steps: list[StepSpec],
    user: AbstractBaseUser | None,
    owner_id: int | None = None,
) -> ApprovalRequest:
    """Open the next round of approvals of `document` (the caller holds its lock) with
    `steps`; a round still running is withdrawn first. Raises ApprovalError without steps.
    Three queries and one insert per step (a bulk insert)."""
    if not steps:
        raise ApprovalError(f"{document} needs no approval.")
    content_type = ContentType.objects.get_for_model(document)
    running = _lock_pending(content_type, document.pk)
    if running is not None:
        _close(running, RequestStatus.WITHDRAWN)
    last = ApprovalRequest.objects.filter(
        content_type=content_type, object_id=document.pk
    ).aggregate(n=Max("round"))["n"]
    request = ApprovalRequest.objects.create(
        content_type=content_type,
        object_id=document.pk,
        round=(last or 0) + 1,
        current_stage=min(step.stage for step in steps),
        submitted_by=user,
        document_owner_id=owner_id,
    )
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            request=request,
            rule_id=step.rule_id,
            sentence=step.sentence[:300],
            stage=step.stage,
            approver_group_id=step.approver_group_id,
            approver_user_id=step.approver_user_id,
            needed=step.needed,
        )
        for step in sorted(steps, key=lambda step: step.stage)
    )
    return request


def _close(request: ApprovalRequest, status: str) -> None:
    request.status, request.closed_at, request.current_stage = status, timezone.now(), 0
    request.save(update_fields=["status", "closed_at", "current_stage"])


@transaction.atomic
def approval_request_withdraw(*, document: models.Model) -> ApprovalRequest | None:
    """Withdraw the running round of `document` (it changed or was cancelled; the caller
    holds its lock). Returns the round withdrawn, or None when none was running."""
    request = _lock_pending(ContentType.objects.get_for_model(document), document.pk)
    if request is not None:
        _close(request, RequestStatus.WITHDRAWN)
    return request


def may_decide(step: ApprovalStep, user: AbstractBaseUser) -> bool:
    """`user` is the step's approver: its named user, or a member of its group."""
    if step.approver_user_id is not None:
        return step.approver_user_id == user.pk
    return user.groups.filter(pk=step.approver_group_id).exists()


@transaction.atomic
def approval_decide(
    *,
    document: models.Model,
    step_id: int,
    user: AbstractBaseUser,
    approve: bool,
    comment: str = "",
) -> DecisionOutcome:
    """Record `user`'s decision on step `step_id` of `document`'s running round and move the
    round on: the step passes with its `needed` approvals, the next stage waits once every
    step of this one passed, the round is approved after the last; one reject rejects it.

    The caller holds the document's lock; this locks the round's row, so two approvers at
    once (or approve against reject) are decided one after the other. Raises
    DecisionRefusedError (no running round, a step of another round or not the current stage,
    the submitter or the document's owner, not an approver, a reject without a comment),
    AlreadyDecidedError (the user decided this step already)."""
    comment = (comment or "").strip()
    request = _lock_pending(ContentType.objects.get_for_model(document), document.pk)
    if request is None:
        raise DecisionRefusedError(f"{document} has no approval round waiting for a decision.")
    step = ApprovalStep.objects.select_related("approver_group").filter(pk=step_id).first()
    if step is None or step.request_id != request.pk:
        raise DecisionRefusedError(
            f"That step is not of the running round of {document} (round {request.round}); "
            "reload the page and decide the step shown there."
        )
    if step.stage != request.current_stage or step.status != StepStatus.WAITING:
        raise DecisionRefusedError(
            f"That step of {document} is not waiting for a decision now (stage "
            f"{request.current_stage} is); reload the page."
        )
    if user.pk in (request.submitted_by_id, request.document_owner_id):
        raise DecisionRefusedError(
            f"You made or submitted {document}, so someone else must decide its approval."
        )
    if not may_decide(step, user):
        raise DecisionRefusedError(f"Only {step.approver_name} may decide this step of {document}.")
    if ApprovalDecision.objects.filter(step=step, user=user).exists():
        raise AlreadyDecidedError(f"You already decided this step of {document}.")
    if not approve and not comment:
        raise DecisionRefusedError({"comment": "Say why you reject it: the comment is required."})
    decision = ApprovalDecision.objects.create(
        step=step,
        user=user,
        decision=DecisionKind.APPROVE if approve else DecisionKind.REJECT,
        comment=comment,
    )
    step_passed = False
    if not approve:
        step.status = StepStatus.REJECTED
        step.save(update_fields=["status"])
        _close(request, RequestStatus.REJECTED)
    else:
        step.approvals += 1
        step_passed = step.approvals >= step.needed
        if step_passed:
            step.status = StepStatus.APPROVED
        step.save(update_fields=["approvals", "status"])
        if step_passed:
            _advance(request)
    return DecisionOutcome(
        request=request,
        step=step,
        decision=decision,
        status=request.status,
        step_passed=step_passed,
        next_stage=request.current_stage,
    )


def _advance(request: ApprovalRequest) -> None:
    """After a step passed: the lowest stage with a waiting step waits next; none: approved."""
    waiting = request.steps.filter(status=StepStatus.WAITING).aggregate(stage=models.Min("stage"))
    if waiting["stage"] is None:
        _close(request, RequestStatus.APPROVED)
    elif waiting["stage"] != request.current_stage:
        request.current_stage = waiting["stage"]
        request.save(update_fields=["current_stage"])
