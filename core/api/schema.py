"""drf-spectacular's AutoSchema plus what every operation of this API shares: the OData query
options on lists, If-Match on writes and bound actions, Idempotency-Key on POST, and the
error envelope on 4xx."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

LIST_OPTIONS = [
    ("$filter", "OData filter over the resource's filterable fields, e.g. status eq 'Open'."),
    ("$orderby", "Comma-separated `field asc|desc` over the sortable fields."),
    ("$select", "Comma-separated fields to return (id and @odata.etag always come)."),
    ("$expand", "Sub-resources to include, e.g. salesOrderLines."),
    ("$top", "Page size (at most API_MAX_PAGE_SIZE)."),
    ("$skip", "Rows to skip; @odata.nextLink carries the next value."),
]


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    target = serializers.CharField(allow_blank=True)
    details = serializers.ListField(child=serializers.DictField())


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class AutoSchema(SpectacularAutoSchema):
    def _is_bound_action(self) -> bool:
        handler = getattr(self.view, getattr(self.view, "action", "") or "", None)
        return bool(getattr(handler, "bound_action", False))

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        method = self.method.upper()
        if method == "GET" and self._is_list_view():
            params += [OpenApiParameter(name, str, description=text) for name, text in LIST_OPTIONS]
        if method == "GET" and not self._is_list_view():
            params.append(
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The ETag read before: 304 when the record has not changed.",
                )
            )
        if method in ("PATCH", "DELETE") or (method == "POST" and self._is_bound_action()):
            params.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The record's ETag (or *); 428 without it, 409 when stale.",
                )
            )
        if method == "POST":
            params.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    description="A repeat with the same key and body returns the first answer "
                    "(kept 24 hours); the same key with another body is a 422.",
                )
            )
        return params

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self._get_response_for_code(ErrorSerializer, "400")
        for code in ("400", "401", "403", "404", "409", "415", "428", "429"):
            responses.setdefault(code, error)
        return responses
