"""Document types that ask for approvals register here (in their AppConfig.ready), so the
Approvals page can show their documents without approvals importing them.

`summaries(object_ids)` returns {object id: DocumentSummary} for many documents in a constant
number of queries; `decide_url(object_id)` is where the document's own Approve / Reject views
take a posted decision (fields: step, version, comment, next)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class DocumentSummary:
    """One document on the Approvals page, as its own app describes it."""

    title: str  # "SO-0042"
    url: str
    party: str = ""  # the customer
    amount: str = ""  # "12,400.00 EUR"
    total: Decimal | None = None  # the amount as a number (the API's), in `currency`
    currency: str = ""
    version: int = 0  # posted with the decision (a changed document is refused)
    notes: list[str] = field(default_factory=list)  # "Credit: 3,000.00 EUR over the limit"
    approve_url: str = ""
    reject_url: str = ""


@dataclass(frozen=True)
class DocumentType:
    model_label: str  # "salesorders.salesorder"
    summaries: Callable[[list[int]], dict[int, DocumentSummary]]


_TYPES: dict[str, DocumentType] = {}


def register(model_label: str, *, summaries: Callable[[list[int]], dict]) -> None:
    _TYPES[model_label.lower()] = DocumentType(model_label.lower(), summaries)


def document_type(app_label: str, model: str) -> DocumentType | None:
    return _TYPES.get(f"{app_label}.{model}")
