"""The one base of every domain error.

A DomainError is a Django ValidationError, so a form can show it where it belongs:
`form.add_error(None, error)` puts an error raised with a dict at the named fields and a plain
message at the top of the form. `str(error)` is the sentence a person reads.
"""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """An operation was refused; nothing was written."""

    def __str__(self) -> str:
        return " ".join(self.messages)


class AlreadyDoneError(DomainError):
    """What was asked is already so: the object is in the state the action leads to (a
    double-clicked button, a second tab). Nothing was written; pages show the sentence as
    information, not as an error (core.views.report_refusal)."""
