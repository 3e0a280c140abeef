"""This app's part of `manage.py demo_data`: the approval rules a sales company starts with."""

from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from approvals import services
from approvals.models import ApprovalRule, ConditionKind

# name, stage, condition, threshold, group
RULES = [
    ("Large order", 1, ConditionKind.TOTAL_AT_LEAST, Decimal("10000"), "Managers"),
    ("First orders", 1, ConditionKind.NEW_CUSTOMER, None, "Managers"),
    ("Deep discount", 1, ConditionKind.LINE_DISCOUNT_ABOVE, Decimal("20"), "Managers"),
    ("Over the credit limit", 2, ConditionKind.EXCEEDS_CREDIT, None, "Credit Control"),
]


def build(ctx: dict, *, document: ContentType | None = None) -> None:
    """Create the rules (for `document`'s type; None: any document). Puts ctx["rules"]."""
    rules = []
    for name, stage, condition, threshold, group in RULES:
        rule = ApprovalRule(
            name=name,
            stage=stage,
            condition=condition,
            threshold=threshold,
            approver_group=Group.objects.get(name=group),
            content_type=document,
        )
        rules.append(services.approval_rule_save(rule=rule))
    ctx["rules"] = rules
