"""The shape of a list answer, for the schema: `{"value": [...], "@odata.nextLink": url}`.
ApiViewSet.list pages by $top/$skip itself (one query, no COUNT)."""

from rest_framework.pagination import BasePagination


class ODataPagination(BasePagination):
    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["value"],
            "properties": {
                "value": schema,
                "@odata.nextLink": {"type": "string", "format": "uri"},
            },
        }

    def get_schema_operation_parameters(self, view):
        return []
