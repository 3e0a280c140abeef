"""One error shape for every 4xx under /api/:

    {"error": {"code": "...", "message": "...", "target": "field", "details": [...]}}

`code` follows Business Central's error table where it has one (Request_EntityChanged,
BadRequest_NotFound, ...); `target` names the JSON field at fault, `details` lists every
field error as {code, message, target}. A service's DomainError is a 400 carrying the
service's own sentence.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError

CODES = {
    400: "BadRequest",
    401: "Authentication_InvalidCredentials",
    403: "Authorization_Forbidden",
    404: "BadRequest_NotFound",
    405: "BadRequest_MethodNotAllowed",
    406: "BadRequest_NotAcceptable",
    409: "Request_EntityChanged",
    412: "Request_PreconditionFailed",
    413: "Request_EntityTooLarge",
    415: "BadRequest_UnsupportedMediaType",
    422: "Request_IdempotencyKeyReused",
    428: "Request_PreconditionRequired",
    429: "Request_TooManyRequests",
    500: "Internal_ServerError",
}
DOMAIN_CODE = "BadRequest_BusinessRule"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "Request_EntityTooLarge"
    default_detail = "The request body is larger than this API accepts."


class BadQuery(exceptions.ValidationError):
    """A query option ($filter, $top, ...) that cannot be used; `target` names it."""

    def __init__(self, message: str, *, target: str):
        super().__init__({target: [message]})


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "Request_IdempotencyKeyReused"
    default_detail = "This Idempotency-Key was used with another request body."


def envelope(code: str, message: str, target: str = "", details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "target": target, "details": details or []}}


def error_response(status_code: int, message: str, *, code: str = "", target: str = "") -> dict:
    """A plain Django JSON response in the envelope (for requests DRF never saw)."""
    return JsonResponse(
        envelope(code or CODES.get(status_code, "BadRequest"), message, target), status=status_code
    )


def _flatten(data, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a list of {code, message, target}."""
    items = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = key if key != "non_field_errors" else ""
            target = f"{prefix}.{name}" if prefix and name else (name or prefix)
            items += _flatten(value, target)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, dict | list) and not isinstance(value, str):
                items += _flatten(value, f"{prefix}[{index}]" if prefix else str(index))
            else:
                items += _flatten(value, prefix)
    else:
        code = getattr(data, "code", None) or "invalid"
        items.append({"code": str(code), "message": str(data), "target": prefix})
    return items


def _from_domain(error: DjangoValidationError, view) -> exceptions.ValidationError:
    """A service's refusal as a DRF ValidationError keyed by the API's field names."""
    field_map = getattr(view, "domain_targets", {}) if view is not None else {}
    if hasattr(error, "error_dict"):
        detail = {
            field_map.get(field, field) if field != "__all__" else "non_field_errors": [
                " ".join(e.messages) for e in errors
            ]
            for field, errors in error.error_dict.items()
        }
    else:
        detail = {"non_field_errors": error.messages}
    converted = exceptions.ValidationError(detail)
    converted.domain = isinstance(error, DomainError)
    return converted


def exception_handler(exc, context):
    """DRF's handler, then the envelope. Django's Http404, PermissionDenied, ValidationError
    (every DomainError is one) and an oversized body become the 4xx they mean."""
    view = context.get("view")
    if isinstance(exc, DjangoValidationError):
        exc = _from_domain(exc, view)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        if type(exc).__name__ == "RequestDataTooBig":
            exc = RequestTooLarge()
        else:
            exc = exceptions.ParseError(str(exc) or "The request could not be read.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    details = _flatten(response.data) if isinstance(response.data, dict | list) else []
    if isinstance(exc, exceptions.ValidationError):
        code = DOMAIN_CODE if getattr(exc, "domain", False) else CODES[400]
        first = details[0] if details else {"message": "The request is not valid.", "target": ""}
        message = first["message"]
        target = first["target"]
    else:
        code = str(getattr(exc, "default_code", "")) or CODES.get(response.status_code, "")
        if not code[:1].isupper():
            code = CODES.get(response.status_code, code)
        message = str(getattr(exc, "detail", "")) or str(exc)
        target = ""
        details = []
    response.data = envelope(code, message, target, details)
    etag = getattr(exc, "etag", None)
    if etag:
        response["ETag"] = etag
    return response
