"""The answer to a database fault: a 503 that says when to try again, logged in one line."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger("core.faults")

RETRY_AFTER_SECONDS = 5


def is_database_fault(error: BaseException | None) -> bool:
    """The database is unreachable, out of connections (a pool timeout is an
    OperationalError), restarting, or cancelled a statement (statement_timeout)."""
    return isinstance(error, OperationalError | InterfaceError)


def fault_summary(error: BaseException) -> str:
    """The first line of the error, with its class: what one log line says."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 answer (a page, or JSON under /api/) with Retry-After; logs the one line."""
    logger.warning(
        "Database unavailable, answered 503: %s %s (%s)",
        request.method,
        request.path,
        fault_summary(error),
    )
    message = f"The database is not answering; try again in {RETRY_AFTER_SECONDS} seconds."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # A template of its own that needs no database (no user, no context processors).
        body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # the line above is the one line; Django adds none
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database fault raised outside a view (saving the session) is a 503 too;
    anything else is Django's 500 page."""
    error = sys.exc_info()[1]
    if is_database_fault(error):
        return database_unavailable(request, error)
    return defaults.server_error(request)
