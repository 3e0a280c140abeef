"""Shipments and their allocations."""

from rest_framework import serializers

from core.api.serializers import ApiModelSerializer, ApiSerializer
from core.numbers import QUANTITY
from inventory.models import StockItem
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Allocation, Shipment


class ShipmentVersionMixin:
    """A shipment's (and an allocation's) ETag is its order's version: every shipment change
    bumps it."""

    def etag_version(self, instance):
        shipment = instance if isinstance(instance, Shipment) else instance.shipment
        return shipment.order.version


class AllocationSerializer(ShipmentVersionMixin, ApiModelSerializer):
    shipmentId = serializers.PrimaryKeyRelatedField(source="shipment", read_only=True)  # noqa: N815
    lineId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="line", queryset=SalesOrderLine.objects.all()
    )
    itemNumber = serializers.CharField(source="line.part_sku", read_only=True)  # noqa: N815
    stockItemId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="stock_item", queryset=StockItem.objects.all()
    )
    quantity = serializers.DecimalField(**QUANTITY)

    class Meta:
        model = Allocation
        fields = ["id", "shipmentId", "lineId", "itemNumber", "stockItemId", "quantity"]

    def get_validators(self):
        return []


class ShipmentSerializer(ShipmentVersionMixin, ApiModelSerializer):
    orderId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="order", queryset=SalesOrder.objects.all()
    )
    orderNumber = serializers.CharField(source="order.reference", read_only=True)  # noqa: N815
    number = serializers.CharField(
        source="reference", max_length=30, required=False, allow_blank=True
    )
    status = serializers.CharField(source="get_status_display", read_only=True)
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    trackingNumber = serializers.CharField(  # noqa: N815
        source="tracking_number", max_length=100, required=False, allow_blank=True
    )
    shipToAddress = serializers.CharField(source="address", required=False, allow_blank=True)  # noqa: N815
    shipmentDate = serializers.DateField(source="shipped_date", read_only=True, allow_null=True)  # noqa: N815
    deliveryDate = serializers.DateField(source="delivery_date", read_only=True, allow_null=True)  # noqa: N815
    notes = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "orderId",
            "orderNumber",
            "number",
            "status",
            "carrier",
            "trackingNumber",
            "shipToAddress",
            "shipmentDate",
            "deliveryDate",
            "notes",
        ]

    def get_validators(self):
        return []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["orderId"].read_only = True
        if "allocations" in (self.context.get("expand") or []) and self._is_top():
            fields["allocations"] = AllocationSerializer(many=True, read_only=True)
        return fields


class ShipmentCompleteSerializer(ApiSerializer):
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    trackingNumber = serializers.CharField(  # noqa: N815
        source="tracking_number", max_length=100, required=False, allow_blank=True
    )
    shipmentDate = serializers.DateField(source="shipped_date", required=False, allow_null=True)  # noqa: N815


class AutoAllocateSerializer(ApiSerializer):
    shipmentId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="shipment", queryset=Shipment.objects.all(), required=False
    )


class AutoAllocateResultSerializer(serializers.Serializer):
    shipmentId = serializers.IntegerField(allow_null=True)  # noqa: N815
    # Per unit of measure ({"pcs": "40.0000", "m": "3.0000"}): quantities of different units
    # are never added.
    allocatedQuantities = serializers.DictField(child=serializers.DecimalField(**QUANTITY))  # noqa: N815
    complete = serializers.BooleanField()
    message = serializers.CharField()
