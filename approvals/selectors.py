"""Reads of approvals for one page, returning plain data. Generic: documents are described
by the app that registered them (approvals.registry)."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Prefetch, Q, QuerySet

from approvals import registry
from approvals.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStep,
    DocumentFacts,
    RequestStatus,
    StepStatus,
)


def matching_rules(*, content_type: ContentType, facts: DocumentFacts) -> list[ApprovalRule]:
    """The active rules of the document type that `facts` meet, by stage (one query)."""
    rules = ApprovalRule.objects.for_document(content_type).select_related("approver_group")
    return [rule for rule in rules if rule.matches(facts)]


def waiting_steps(user: AbstractBaseUser) -> QuerySet:
    """The steps `user` may decide now: of a running round, in its current stage, still
    waiting, with the user as approver (named, or through a group), not decided by the user
    yet, of a document the user neither made nor submitted. One query (groups as a subquery)."""
    groups = Group.objects.filter(user=user).values("pk")
    return (
        ApprovalStep.objects.filter(
            status=StepStatus.WAITING,
            request__status=RequestStatus.PENDING,
            stage=F("request__current_stage"),
        )
        .filter(Q(approver_user=user) | Q(approver_group__in=groups))
        .exclude(request__submitted_by=user)
        .exclude(request__document_owner=user)
        .exclude(decisions__user=user)
    )


def waiting_count(user: AbstractBaseUser) -> int:
    """How many documents wait for `user`'s decision (the dashboard's figure): one query."""
    return waiting_steps(user).values("request").distinct().count()


@dataclass(frozen=True)
class WaitingRow:
    step: ApprovalStep
    request: ApprovalRequest
    document: registry.DocumentSummary


def waiting_for(user: AbstractBaseUser, *, limit: int = 200) -> list[WaitingRow]:
    """The Approvals page ("Waiting for me"): each step `user` may decide now with its
    document as the document's app describes it. Queries: the steps with their rounds, and
    per document type the summaries (a constant number each), whatever the row count."""
    steps = list(
        waiting_steps(user)
        .select_related("request", "approver_group", "approver_user")
        .order_by("request__submitted_at", "pk")[:limit]
    )
    summaries = document_summaries(steps)
    rows = []
    for step in steps:
        key = (step.request.content_type_id, step.request.object_id)
        if key in summaries:
            rows.append(WaitingRow(step=step, request=step.request, document=summaries[key]))
    return rows


def document_summaries(
    steps: list[ApprovalStep],
) -> dict[tuple[int, int], registry.DocumentSummary]:
    """{(content type id, object id): summary} of the documents of `steps` (with their
    rounds loaded), as each document's app describes them: per document type a constant
    number of queries, whatever the row count. A type no app registered is left out."""
    by_type: dict[int, list[int]] = defaultdict(list)
    for step in steps:
        by_type[step.request.content_type_id].append(step.request.object_id)
    summaries: dict[tuple[int, int], registry.DocumentSummary] = {}
    for content_type_id, ids in by_type.items():
        content_type = ContentType.objects.get_for_id(content_type_id)
        kind = registry.document_type(content_type.app_label, content_type.model)
        if kind is None:
            continue
        for object_id, summary in kind.summaries(sorted(set(ids))).items():
            summaries[(content_type_id, object_id)] = summary
    return summaries


def step_to_decide(document: models.Model, *, user: AbstractBaseUser) -> int | None:
    """The step of `document`'s running round that `user` would decide now: the one they
    may decide, else the first waiting step of the current stage (so the decision service
    says why they may not), None without a running round. Four queries at most."""
    view = document_round(document, user=user)
    if view is None or not view.request.is_pending:
        return None
    if view.decidable is not None:
        return view.decidable.pk
    current = [
        step
        for step in view.steps
        if step.stage == view.request.current_stage and step.status == StepStatus.WAITING
    ]
    return current[0].pk if current else None


@dataclass(frozen=True)
class RoundView:
    """A document's latest round for its page: its steps (with decisions) and whether the
    user may decide the current step (and which)."""

    request: ApprovalRequest
    steps: list[ApprovalStep]
    decidable: ApprovalStep | None
    rejections: list[ApprovalDecision]


def document_round(document: models.Model, *, user: AbstractBaseUser) -> RoundView | None:
    """The latest round of `document` (None: never submitted) with its steps and decisions,
    and the step `user` may decide now: four queries at most (round, steps, decisions, the
    user's groups)."""
    request = (
        ApprovalRequest.objects.for_document(document)
        .order_by("-round")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ApprovalStep.objects.select_related(
                    "approver_group", "approver_user"
                ).prefetch_related(
                    Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("user"))
                ),
            )
        )
        .first()
    )
    if request is None:
        return None
    steps = list(request.steps.all())
    decidable = None
    if request.is_pending and user.pk not in (request.submitted_by_id, request.document_owner_id):
        group_ids = None
        for step in steps:
            if step.stage != request.current_stage or step.status != StepStatus.WAITING:
                continue
            if any(d.user_id == user.pk for d in step.decisions.all()):
                continue
            if step.approver_user_id is not None:
                if step.approver_user_id == user.pk:
                    decidable = step
                    break
                continue
            if group_ids is None:
                group_ids = set(user.groups.values_list("pk", flat=True))
            if step.approver_group_id in group_ids:
                decidable = step
                break
    rejections = [
        decision
        for step in steps
        for decision in step.decisions.all()
        if decision.decision == ApprovalDecision.Kind.REJECT
    ]
    return RoundView(request=request, steps=steps, decidable=decidable, rejections=rejections)
