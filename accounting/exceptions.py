from core.exceptions import DomainError


class AccountingError(DomainError):
    """An exchange rate or tax rule was refused."""


class MissingRateError(AccountingError):
    """No exchange rate for a currency on a date."""


class TaxRuleConflictError(AccountingError):
    """Two tax rules would apply two rates to the same case."""


class PeriodClosedError(AccountingError):
    """A document's date falls in a closed or locked accounting period."""


class PeriodError(AccountingError):
    """An accounting period could not be created, closed, reopened or locked."""
