"""Under /api/ an answer is JSON, never an HTML page: Django's own 404 (no URL matched), 500
(an uncaught error) and 400 (a bad Host, a body too big before DRF saw it) become the error
envelope. With DEBUG on, Django would otherwise show its technical pages."""

from django.conf import settings

from core.api.errors import CODES, error_response

MESSAGES = {
    400: "The request could not be read.",
    403: "You do not have permission to do this.",
    404: "There is no resource at this address.",
    405: "This method is not allowed here.",
    413: "The request body is larger than this API accepts.",
    500: "Something went wrong on the server; the request was not carried out.",
}


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = getattr(settings, "API_URL_PREFIX", "/api/")

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(self.prefix) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        converted = error_response(
            status, MESSAGES.get(status, "The request failed."), code=CODES.get(status, "")
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        return converted
