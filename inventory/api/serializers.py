"""Parts as Business Central's `items` (with their price breaks) and `stockItems`."""

from rest_framework import serializers

from core.api.serializers import ApiModelSerializer, ApiSerializer
from core.numbers import QUANTITY, UNIT_PRICE
from inventory.models import Part, PriceBreak, StockItem, StockLocation, TaxRate


class PriceBreakSerializer(serializers.ModelSerializer):
    minimumQuantity = serializers.DecimalField(source="min_quantity", **QUANTITY)  # noqa: N815
    unitPrice = serializers.DecimalField(source="unit_price", **UNIT_PRICE)  # noqa: N815

    class Meta:
        model = PriceBreak
        fields = ["minimumQuantity", "unitPrice"]


class ItemSerializer(ApiModelSerializer):
    number = serializers.CharField(source="sku", max_length=50)
    displayName = serializers.CharField(source="name", max_length=200)  # noqa: N815
    baseUnitOfMeasureCode = serializers.ChoiceField(  # noqa: N815
        source="unit", choices=Part.Unit.choices, required=False
    )
    unitPrice = serializers.DecimalField(source="list_price", **UNIT_PRICE, required=False)  # noqa: N815
    taxRateId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="default_tax_rate",
        queryset=TaxRate.objects.all(),
        required=False,
        allow_null=True,
    )
    priceBreaks = PriceBreakSerializer(source="price_breaks", many=True, required=False)  # noqa: N815
    lastModifiedDateTime = serializers.DateTimeField(source="updated_at", read_only=True)  # noqa: N815

    class Meta:
        model = Part
        fields = [
            "id",
            "number",
            "displayName",
            "description",
            "baseUnitOfMeasureCode",
            "unitPrice",
            "salable",
            "active",
            "taxRateId",
            "priceBreaks",
            "notes",
            "lastModifiedDateTime",
        ]
        extra_kwargs = {
            "description": {"required": False},
            "salable": {"required": False},
            "active": {"required": False},
            "notes": {"required": False},
        }

    def etag_version(self, instance):
        return instance.updated_at

    def get_validators(self):
        return []

    def validate_priceBreaks(self, value):  # noqa: N802
        quantities = [row["min_quantity"] for row in value]
        if len(set(quantities)) != len(quantities):
            raise serializers.ValidationError("Each minimum quantity may appear once.")
        return value


class StockItemSerializer(ApiModelSerializer):
    itemId = serializers.PrimaryKeyRelatedField(source="part", read_only=True)  # noqa: N815
    itemNumber = serializers.CharField(source="part.sku", read_only=True)  # noqa: N815
    locationId = serializers.PrimaryKeyRelatedField(source="location", read_only=True)  # noqa: N815
    locationName = serializers.CharField(source="location.name", read_only=True)  # noqa: N815
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    allocatedQuantity = serializers.DecimalField(  # noqa: N815
        source="allocated_quantity", **QUANTITY, read_only=True
    )
    batchCode = serializers.CharField(source="batch_code", read_only=True)  # noqa: N815
    serialNumber = serializers.CharField(source="serial_number", read_only=True)  # noqa: N815
    status = serializers.CharField(source="get_status_display", read_only=True)
    expiryDate = serializers.DateField(source="expiry_date", read_only=True, allow_null=True)  # noqa: N815
    receivedDate = serializers.DateField(source="received_date", read_only=True)  # noqa: N815
    lastModifiedDateTime = serializers.DateTimeField(source="updated_at", read_only=True)  # noqa: N815

    class Meta:
        model = StockItem
        fields = [
            "id",
            "itemId",
            "itemNumber",
            "locationId",
            "locationName",
            "quantity",
            "allocatedQuantity",
            "batchCode",
            "serialNumber",
            "status",
            "expiryDate",
            "receivedDate",
            "lastModifiedDateTime",
        ]

    def etag_version(self, instance):
        return instance.updated_at


class StockReceiveSerializer(ApiSerializer):
    """POST stockItems: book goods in (inventory.services.stock_receive)."""

    itemId = serializers.PrimaryKeyRelatedField(source="part", queryset=Part.objects.all())  # noqa: N815
    locationId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="location", queryset=StockLocation.objects.all()
    )
    quantity = serializers.DecimalField(**QUANTITY)
    batchCode = serializers.CharField(  # noqa: N815
        source="batch_code", max_length=50, required=False, allow_blank=True
    )
    serialNumber = serializers.CharField(  # noqa: N815
        source="serial_number", max_length=50, required=False, allow_blank=True
    )
    expiryDate = serializers.DateField(source="expiry_date", required=False, allow_null=True)  # noqa: N815
    receivedDate = serializers.DateField(source="received_date", required=False, allow_null=True)  # noqa: N815
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StockAdjustSerializer(ApiSerializer):
    """POST stockItems({id})/adjust: the counted quantity and why."""

    newQuantity = serializers.DecimalField(source="new_quantity", **QUANTITY)  # noqa: N815
    reason = serializers.CharField(max_length=500)
