from django import forms

from approvals.models import ApprovalRule
from core.forms import CrispyFormMixin

RULE_FIELDS = [
    "name",
    "stage",
    "condition",
    "threshold",
    "new_customer_days",
    "approver_group",
    "approver_user",
    "approvals_needed",
    "active",
]


class ApprovalRuleForm(CrispyFormMixin, forms.ModelForm):
    """A rule as the Managers' rules page edits it; ApprovalRule.clean() and the database
    constraints refuse a negative threshold and a rule with no approver or two."""

    class Meta:
        model = ApprovalRule
        fields = RULE_FIELDS
