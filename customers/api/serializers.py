"""Customers as Business Central's `customers` resource (number, displayName, ...)."""

from rest_framework import serializers

from core.api.serializers import ApiModelSerializer
from customers.models import Customer


class CustomerSerializer(ApiModelSerializer):
    number = serializers.CharField(source="code", max_length=20, required=False, allow_blank=True)
    displayName = serializers.CharField(source="name", max_length=200)  # noqa: N815
    phoneNumber = serializers.CharField(  # noqa: N815
        source="phone", max_length=50, required=False, allow_blank=True
    )
    currencyCode = serializers.CharField(source="currency", max_length=3, required=False)  # noqa: N815
    paymentTermsDays = serializers.IntegerField(  # noqa: N815
        source="payment_terms_days", min_value=0, max_value=32767, required=False
    )
    creditLimit = serializers.DecimalField(  # noqa: N815
        source="credit_limit", max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    taxRegistrationNumber = serializers.CharField(  # noqa: N815
        source="tax_number", max_length=50, required=False, allow_blank=True
    )
    lastModifiedDateTime = serializers.DateTimeField(source="updated_at", read_only=True)  # noqa: N815

    class Meta:
        model = Customer
        fields = [
            "id",
            "number",
            "displayName",
            "email",
            "phoneNumber",
            "website",
            "currencyCode",
            "paymentTermsDays",
            "creditLimit",
            "taxRegistrationNumber",
            "active",
            "notes",
            "lastModifiedDateTime",
        ]
        extra_kwargs = {
            "email": {"required": False},
            "website": {"required": False},
            "active": {"required": False},
            "notes": {"required": False},
        }

    def etag_version(self, instance):
        return instance.updated_at

    def get_validators(self):
        return []  # uniqueness and the rest are the service's to check
