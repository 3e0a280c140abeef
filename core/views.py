"""View mixins every app may use."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from core.exceptions import AlreadyDoneError
from core.forms import add_service_error


def report_refusal(request, error: ValidationError) -> None:
    """Show a service's refusal: as information when it only says the thing is already done
    (AlreadyDoneError: a double click), as an error otherwise."""
    text = " ".join(error.messages)
    if isinstance(error, AlreadyDoneError):
        messages.info(request, text)
    else:
        messages.error(request, text)


class ServiceFormMixin:
    """For a create/update/form view: `form_valid` hands the form to `call_service`, which
    returns the object the service wrote. A refusal (a ValidationError, so every DomainError)
    shows on the form, at the fields it names; otherwise `success_message` (formatted with
    `%(object)s`) is shown and the view redirects to `get_success_url()`."""

    success_message = ""

    def call_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.call_service(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return redirect(self.get_success_url())
