"""Request and response rules that hold for every page (listed in settings.MIDDLEWARE)."""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from core.faults import database_unavailable, is_database_fault

logger = logging.getLogger("core.faults")


class DatabaseFaultMiddleware:
    """A database that is down, out of connections or cancels a statement answers a 503 page
    (JSON under /api/) with Retry-After, and one log line, instead of a 500 and a traceback.

    Placed after AuthenticationMiddleware: the session and the user are loaded here, inside
    the guard, so a fault while loading them is a 503 too. Faults elsewhere outside the view
    (saving the session) reach `core.faults.server_error`, the handler500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.user.is_authenticated  # noqa: B018 (loads the session and the user now)
        except Exception as error:
            if not is_database_fault(error):
                raise
            return database_unavailable(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_fault(exception):
            return database_unavailable(request, exception)
        return None


class RequestLimitsMiddleware:
    """Refuse what no page of ours sends: a NUL byte in the query string (a 500 on
    PostgreSQL, in every admin list filter) is a 400, and a body larger than
    ANONYMOUS_MAX_BODY_BYTES from someone not logged in (the login page takes a few hundred
    bytes) is a 413 before anything reads it. The API authenticates its tokens itself, after
    this, and has its own body limit (core.api.views.MAX_BODY_BYTES, in its error envelope)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("A NUL character is not allowed in the address.")
        api = request.path.startswith(getattr(settings, "API_URL_PREFIX", "/api/"))
        if not api and not request.user.is_authenticated:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise BadRequest("Content-Length is not a number.") from None
            if length > settings.ANONYMOUS_MAX_BODY_BYTES:
                return HttpResponse(
                    "Request body too large.", status=413, content_type="text/plain"
                )
        return self.get_response(request)


class PrivateResponseMiddleware:
    """Pages and exports for a logged-in person are never stored by a browser or a proxy
    (`Cache-Control: private, no-store`); every response carries the Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
