"""Submit once: a repeated submission of the same form shows the first result instead of
doing it twice (a double click, a browser retrying after a cut connection, Back + resend).

Every POST form carries a random `once_token` (static/app/app.js adds it to each form when
the page loads, so a form sent twice sends the same token). A view with `SubmitOnceMixin`
records the token, in the same transaction as its work, together with where it redirected;
a second request with the token waits for the first one's transaction (the unique key) and
is redirected to the same place with a note. A submission that did not redirect (the form
came back with errors) keeps no token, so the corrected form can be sent.

The API's Idempotency-Key can share this: call `submission_once` with the header's value.
"""

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import BadRequest
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone

from core.models import OnceToken

FIELD_NAME = "once_token"
KEEP_FOR = timedelta(days=2)
ALREADY_DONE = "This was already sent once, so it was not done again: here is the result."


def submission_once(
    *, key: str, user: AbstractBaseUser, path: str, respond: Callable[[], HttpResponse]
) -> tuple[HttpResponse, bool]:
    """Run `respond` once per (user, key); returns (response, repeated).

    Holds one transaction around `respond` (its services' transactions become savepoints),
    in which the token row is inserted first: a concurrent request with the same key blocks
    on that row until this one commits, then finds it. A repeat answers a redirect to the
    first result. Raises BadRequest for a key longer than 64 characters."""
    if len(key) > 64:
        raise BadRequest("The form's once_token is too long.")
    with transaction.atomic():
        token, created = _claim(key=key, user=user, path=path)
        if not created:
            return HttpResponseRedirect(token.result_url), True
        response = respond()
        if response.status_code in (301, 302, 303) and response.get("Location"):
            token.result_url = response["Location"][:500]
            token.save(update_fields=["result_url"])
        else:  # refused or shown again: the corrected form may be sent with this key
            token.delete()
        return response, False


def _claim(*, key: str, user: AbstractBaseUser, path: str) -> tuple[OnceToken, bool]:
    existing = OnceToken.objects.filter(user=user, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            return OnceToken.objects.create(user=user, key=key, path=path[:500]), True
    except IntegrityError:
        # The same key's insert by a concurrent request made ours wait until that request
        # committed (PostgreSQL); its row is visible to the next statement.
        return OnceToken.objects.get(user=user, key=key), False


def once_tokens_prune(*, older_than: timedelta = KEEP_FOR) -> int:
    """Delete the tokens older than `older_than`; returns how many. Locks nothing."""
    deleted, _ = OnceToken.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


class SubmitOnceMixin:
    """For any view that creates or adds something on POST (first in the bases): the same
    submission twice does the work once; the repeat is redirected to the first result with
    a note. A POST without a once_token (no JavaScript, a script) is handled as before."""

    def dispatch(self, request, *args, **kwargs):
        key = request.POST.get(FIELD_NAME, "") if request.method == "POST" else ""
        if not key or not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        response, repeated = submission_once(
            key=key,
            user=request.user,
            path=request.path,
            respond=lambda: super(SubmitOnceMixin, self).dispatch(request, *args, **kwargs),
        )
        if repeated:
            messages.info(request, ALREADY_DONE)
        return response
