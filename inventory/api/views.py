"""`items` (parts with price breaks) and `stockItems` (read; receive, adjust)."""

from django.db import transaction
from django.db.models import Prefetch

from core.api.odata import BOOLEAN, DATE, DATETIME, DECIMAL, ENUM, INTEGER, ODataField
from core.api.views import ApiViewSet, bound_action
from inventory import services
from inventory.filters import PartFilter, StockItemFilter
from inventory.models import Part, PriceBreak, StockItem

from .serializers import (
    ItemSerializer,
    StockAdjustSerializer,
    StockItemSerializer,
    StockReceiveSerializer,
)

STOCK_STATUS = {str(label): value for value, label in StockItem.Status.choices}


class ItemViewSet(ApiViewSet):
    """Parts. Writes go through inventory.services.part_save (price breaks replaced when
    given); a part is never deleted here (deactivate it: `active: false`)."""

    queryset = Part.objects.prefetch_related(
        Prefetch("price_breaks", queryset=PriceBreak.objects.order_by("min_quantity"))
    )
    serializer_class = ItemSerializer
    filterset_class = PartFilter
    default_ordering = ("sku",)
    extra_domain_targets = {"price_breaks": "priceBreaks"}
    odata_fields = {
        "number": ODataField("sku"),
        "displayName": ODataField("name"),
        "baseUnitOfMeasureCode": ODataField("unit"),
        "unitPrice": ODataField("list_price", DECIMAL),
        "salable": ODataField("salable", BOOLEAN),
        "active": ODataField("active", BOOLEAN),
        "lastModifiedDateTime": ODataField("updated_at", DATETIME),
    }

    def etag_version(self, obj):
        return obj.updated_at

    def _save(self, part: Part, fields: dict) -> Part:
        breaks = fields.pop("price_breaks", None)
        for name, value in fields.items():
            setattr(part, name, value)
        price_breaks = (
            None if breaks is None else {row["min_quantity"]: row["unit_price"] for row in breaks}
        )
        services.part_save(part=part, user=self.request.user, price_breaks=price_breaks)
        return self.get_queryset().get(pk=part.pk)

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            part = self._save(Part(), dict(self.read_body()))
        return self.respond_created(part)

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            part = Part.objects.select_for_update().get(pk=self.get_object().pk)
            self.check_if_match(part)
            part = self._save(part, dict(self.read_body(partial=True, instance=part)))
        return self.respond(part)


class StockItemViewSet(ApiViewSet):
    """Stock items: read; POST books goods in (stock_receive); `adjust` sets a counted
    quantity (stock_adjust). Every change writes its ledger movement, as on the pages."""

    queryset = StockItem.objects.select_related("part", "location")
    serializer_class = StockItemSerializer
    filterset_class = StockItemFilter
    default_ordering = ("part__sku", "received_date")
    odata_fields = {
        "itemId": ODataField("part_id", INTEGER),
        "itemNumber": ODataField("part__sku"),
        "locationId": ODataField("location_id", INTEGER),
        "quantity": ODataField("quantity", DECIMAL),
        "allocatedQuantity": ODataField("allocated_quantity", DECIMAL),
        "batchCode": ODataField("batch_code"),
        "serialNumber": ODataField("serial_number"),
        "status": ODataField("status", ENUM, values=STOCK_STATUS),
        "expiryDate": ODataField("expiry_date", DATE),
        "receivedDate": ODataField("received_date", DATE),
    }

    def etag_version(self, obj):
        return obj.updated_at

    def get_serializer_class(self):
        if self.action == "create":
            return StockReceiveSerializer
        if self.action == "adjust":
            return StockAdjustSerializer
        return StockItemSerializer

    def create(self, request, *args, **kwargs):
        fields = dict(self.read_body())
        item = services.stock_receive(user=request.user, **fields)
        item = self.get_queryset().get(pk=item.pk)
        return self.respond_created(item, serializer_class=StockItemSerializer)

    @bound_action("inventory.change_stockitem")
    def adjust(self, request, *args, **kwargs):
        with transaction.atomic():
            item = StockItem.objects.select_for_update().get(pk=self.get_object().pk)
            self.check_if_match(item)
            fields = self.read_body()
            services.stock_adjust(item=item, user=request.user, **fields)
        return self.respond(
            self.get_queryset().get(pk=item.pk), serializer_class=StockItemSerializer
        )
