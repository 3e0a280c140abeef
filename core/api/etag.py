"""ETags built from a stored version, never hashed from the response.

A resource's version is a number its writers bump (SalesOrder.version) or, for tables that
have none, the stored `updated_at` every save sets (as microseconds). The ETag is that token
in quotes, `"7"`; a client sends it back in If-Match to write, or in If-None-Match to ask
whether anything changed.
"""

import datetime

from rest_framework import status
from rest_framework.exceptions import APIException


def version_token(value) -> str:
    """The token of a stored version: an integer as it is, a datetime as microseconds."""
    if isinstance(value, datetime.datetime):
        return str(int(value.timestamp() * 1_000_000))
    return str(int(value))


def make_etag(value) -> str:
    return f'"{version_token(value)}"'


def _tags(header: str) -> list[str]:
    """The entity tags of an If-Match/If-None-Match header; a weak W/ prefix is dropped."""
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.append(tag)
    return tags


class PreconditionRequired(APIException):
    status_code = 428
    default_code = "Request_PreconditionRequired"
    default_detail = "This request changes the record: send If-Match with its ETag (or *)."


class EntityChanged(APIException):
    """409 with the current ETag (the error handler puts it in the ETag header)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "Request_EntityChanged"
    default_detail = "Another user has already changed the record; read it again."

    def __init__(self, current_etag: str, detail: str | None = None):
        super().__init__(detail or self.default_detail, self.default_code)
        self.etag = current_etag


def if_match_version(request, current) -> int | None:
    """Check If-Match against the record's current stored version and return the version it
    names (for a service's `expected_version`), None for `*`.

    Raises PreconditionRequired (428) without the header and EntityChanged (409, with the
    current ETag) when no tag in it is the current one."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    tags = _tags(header)
    if "*" in tags:
        return None
    current_etag = make_etag(current)
    if current_etag not in tags:
        raise EntityChanged(current_etag)
    return current if isinstance(current, int) else None


def not_modified(request, current) -> bool:
    """If-None-Match names the current ETag (or is `*`): answer 304."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or make_etag(current) in tags
