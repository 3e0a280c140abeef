"""Domain errors of approvals: DomainErrors, so forms and pages show the sentence."""

from core.exceptions import AlreadyDoneError, DomainError


class ApprovalError(DomainError):
    """An approval operation was refused; nothing was written."""


class ApprovalRuleError(ApprovalError):
    """A rule that cannot be saved as given (negative threshold, no approver)."""


class DecisionRefusedError(ApprovalError):
    """This user may not decide this step now (own document, not the current step, another
    round, not an approver, a reject without a comment)."""


class AlreadyDecidedError(AlreadyDoneError, DecisionRefusedError):
    """The user already decided this step (a double click, a second tab)."""
