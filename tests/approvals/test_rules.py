"""Approval rules: validated as data, matched against plain facts."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from approvals import services
from approvals.exceptions import ApprovalRuleError
from approvals.models import ApprovalRule, ConditionKind, DocumentFacts

pytestmark = pytest.mark.django_db


def rule(**kwargs):
    group = Group.objects.get_or_create(name="Managers")[0]
    values = {
        "name": "Big",
        "condition": ConditionKind.TOTAL_AT_LEAST,
        "threshold": Decimal("100"),
        "approver_group": group,
    } | kwargs
    return ApprovalRule(**values)


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"threshold": Decimal("-1")}, "threshold", "A threshold cannot be negative."),
        ({"threshold": None}, "threshold", "This condition compares with a threshold; give one."),
        ({"approver_group": None}, "approver_group", "Choose who approves"),
        (
            {"condition": ConditionKind.LINE_DISCOUNT_ABOVE, "threshold": Decimal("150")},
            "threshold",
            "A percent is between 0 and 100.",
        ),
        ({"approvals_needed": 0}, "approvals_needed", "at least one approval"),
    ],
)
def test_a_bad_rule_is_refused_with_a_sentence_and_not_saved(changes, field, sentence):
    with pytest.raises(ApprovalRuleError) as refused:
        services.approval_rule_save(rule=rule(**changes))
    assert sentence in " ".join(refused.value.message_dict[field])
    assert not ApprovalRule.objects.exists()


def test_a_rule_with_a_group_and_a_user_is_refused(user):
    with pytest.raises(ApprovalRuleError, match="not both"):
        services.approval_rule_save(rule=rule(approver_user=user))


@pytest.mark.parametrize(
    ("condition", "threshold", "facts", "matches"),
    [
        (ConditionKind.TOTAL_AT_LEAST, "100", DocumentFacts(total_base=Decimal("100")), True),
        (ConditionKind.TOTAL_AT_LEAST, "100", DocumentFacts(total_base=Decimal("99.99")), False),
        (ConditionKind.NEW_CUSTOMER, None, DocumentFacts(customer_has_completed=False), True),
        (ConditionKind.NEW_CUSTOMER, None, DocumentFacts(customer_has_completed=True), False),
        (ConditionKind.EXCEEDS_CREDIT, None, DocumentFacts(exceeds_credit=True), True),
        (ConditionKind.EXCEEDS_CREDIT, None, DocumentFacts(), False),
        (
            ConditionKind.LINE_DISCOUNT_ABOVE,
            "10",
            DocumentFacts(max_discount_percent=Decimal("10.01")),
            True,
        ),
        (
            ConditionKind.LINE_DISCOUNT_ABOVE,
            "10",
            DocumentFacts(max_discount_percent=Decimal("10")),
            False,
        ),
        (
            ConditionKind.BELOW_SUGGESTED,
            "5",
            DocumentFacts(max_below_suggested_percent=Decimal("6")),
            True,
        ),
    ],
)
def test_each_condition_matches_its_facts(condition, threshold, facts, matches):
    value = Decimal(threshold) if threshold else None
    assert rule(condition=condition, threshold=value).matches(facts) is matches


def test_new_customer_within_n_days_counts_as_new_even_after_a_completed_order():
    new = rule(condition=ConditionKind.NEW_CUSTOMER, threshold=None, new_customer_days=30)
    assert new.matches(DocumentFacts(customer_has_completed=True, customer_age_days=3))
    assert not new.matches(DocumentFacts(customer_has_completed=True, customer_age_days=40))
