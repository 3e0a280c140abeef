"""Serializer bases: `@odata.etag` in every body, $select, and unknown fields refused."""

from collections.abc import Mapping

from rest_framework import serializers

from core.api.etag import make_etag

ETAG_KEY = "@odata.etag"
ALWAYS = {"id", ETAG_KEY}


class ApiSerializer(serializers.Serializer):
    """`etag_version(instance)` gives the stored version the ETag is built from; the context's
    `select` (a list of JSON names) keeps only those fields in the output. A body naming a
    field the resource does not accept (unknown or read-only) is refused, not ignored."""

    def etag_version(self, instance):
        return instance.version

    def get_fields(self):
        fields = super().get_fields()
        etag = serializers.SerializerMethodField(method_name="get_odata_etag")
        fields = {ETAG_KEY: etag, **fields}  # first, as Business Central writes it
        select = self.context.get("select")
        if select and self._is_top():
            keep = set(select) | ALWAYS
            fields = {name: field for name, field in fields.items() if name in keep}
        return fields

    def _is_top(self) -> bool:
        """The resource itself (alone or in a list), not one expanded into another."""
        parent = self.parent
        if isinstance(parent, serializers.ListSerializer):
            parent = parent.parent
        return parent is None

    def get_odata_etag(self, instance) -> str:
        return make_etag(self.etag_version(instance))

    def to_internal_value(self, data):
        refuse_unwritable(self.fields, data)
        return super().to_internal_value(data)


def refuse_unwritable(fields, data) -> None:
    """A body naming a field the serializer does not accept (unknown or read-only) is refused
    with a ValidationError at that field, not ignored."""
    if not isinstance(data, Mapping):
        return
    writable = {name for name, field in fields.items() if not field.read_only}
    refused = {}
    for name in set(data) - writable - {ETAG_KEY}:
        refused[name] = [
            "This field is read-only."
            if name in fields
            else "Unknown field; this resource does not have it."
        ]
    if refused:
        raise serializers.ValidationError(refused)


class ApiModelSerializer(ApiSerializer, serializers.ModelSerializer):
    pass
