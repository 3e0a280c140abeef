"""`shipments` with `allocations`, `shipments({id})/complete`, and the order actions that
reserve or release stock: `salesOrders({id})/cancel` and `/autoAllocate`.

A shipment's ETag is its order's version. Shipping's services lock the order themselves; a
write here first takes the order's lock with the If-Match version (salesorders'
salesorder_lock), so a stale version is refused under the lock, then runs the service in the
same transaction."""

from contextlib import contextmanager

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.etag import if_match_version, make_etag
from core.api.odata import DATE, ENUM, INTEGER, ODataField
from core.api.views import ApiViewSet, ReasonSerializer, bound_action
from salesorders import services as order_services
from salesorders.api.serializers import SalesOrderSerializer
from salesorders.api.views import OrderActionsMixin, stale_order_as_conflict
from salesorders.models import SalesOrder
from shipping import services
from shipping.filters import ShipmentFilter
from shipping.models import Allocation, Shipment

from .serializers import (
    AllocationSerializer,
    AutoAllocateResultSerializer,
    AutoAllocateSerializer,
    ShipmentCompleteSerializer,
    ShipmentSerializer,
)

SHIPMENT_STATUS = {str(label): value for value, label in Shipment.Status.choices}


@contextmanager
def order_held(request, order: SalesOrder):
    """Lock the order with the version If-Match names (428/409 as for every write), for a
    shipping service run inside."""
    expected = if_match_version(request, order.version)
    with transaction.atomic(), stale_order_as_conflict(order.pk):
        order_services.salesorder_lock(order=order, expected_version=expected)
        yield


def order_etag(order_pk: int) -> str:
    return make_etag(SalesOrder.objects.filter(pk=order_pk).values_list("version", flat=True).get())


class ShipmentViewSet(ApiViewSet):
    queryset = Shipment.objects.select_related("order")
    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    expandable = {"allocations"}
    default_ordering = ("-pk",)
    odata_fields = {
        "orderId": ODataField("order_id", INTEGER),
        "orderNumber": ODataField("order__reference"),
        "number": ODataField("reference"),
        "status": ODataField("status", ENUM, values=SHIPMENT_STATUS),
        "carrier": ODataField("carrier"),
        "trackingNumber": ODataField("tracking_number"),
        "shipmentDate": ODataField("shipped_date", DATE),
        "deliveryDate": ODataField("delivery_date", DATE),
    }

    def etag_version(self, obj):
        return obj.order.version

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method == "GET" and "allocations" in self.options_of_request().expand:
            queryset = queryset.prefetch_related("allocations__line")
        return queryset

    def get_serializer_class(self):
        if getattr(self, "action", None) == "complete":
            return ShipmentCompleteSerializer
        return ShipmentSerializer

    def fresh(self, pk: int) -> Shipment:
        return Shipment.objects.select_related("order").get(pk=pk)

    def create(self, request, *args, **kwargs):
        """Open a pending shipment on an issued order (If-Match optional: the order's ETag)."""
        fields = dict(self.read_body())
        order = fields.pop("order")
        if "reference" in fields:
            fields["reference"] = fields["reference"] or ""
        if "If-Match" in request.headers:
            with order_held(request, order):
                shipment = services.shipment_create(order=order, user=request.user, **fields)
        else:
            shipment = services.shipment_create(order=order, user=request.user, **fields)
        return self.respond_created(self.fresh(shipment.pk), serializer_class=ShipmentSerializer)

    def partial_update(self, request, *args, **kwargs):
        shipment = self.get_object()
        fields = dict(self.read_body(ShipmentSerializer, partial=True, instance=shipment))
        with order_held(request, shipment.order):
            services.shipment_update(shipment=shipment, user=request.user, **fields)
        return self.respond(self.fresh(shipment.pk))

    def destroy(self, request, *args, **kwargs):
        shipment = self.get_object()
        with order_held(request, shipment.order):
            services.shipment_delete(shipment=shipment, user=request.user)
        return self.respond_empty()

    @extend_schema(request=ShipmentCompleteSerializer, responses={204: None})
    @bound_action("shipping.complete_shipment")
    def complete(self, request, *args, **kwargs):
        """Complete Shipment: the allocated stock leaves and counts as shipped."""
        shipment = self.get_object()
        fields = self.read_body(ShipmentCompleteSerializer)
        args = {k: v for k, v in fields.items() if v is not None}
        with order_held(request, shipment.order):
            services.shipment_complete(shipment=shipment, user=request.user, **args)
        return Response(status=204, headers={"ETag": order_etag(shipment.order_id)})


class AllocationViewSet(ApiViewSet):
    """`shipments({id})/allocations`: stock reserved for the order's lines in this shipment.
    POST allocates (allocation_create), DELETE releases (allocation_delete)."""

    queryset = Allocation.objects.select_related("shipment__order", "line")
    serializer_class = AllocationSerializer
    default_ordering = ("pk",)
    extra_domain_targets = {"stock_item": "stockItemId", "line": "lineId"}
    odata_fields = {
        "lineId": ODataField("line_id", INTEGER),
        "stockItemId": ODataField("stock_item_id", INTEGER),
    }

    @property
    def shipment(self) -> Shipment:
        if not hasattr(self, "_shipment"):
            self._shipment = get_object_or_404(
                Shipment.objects.select_related("order"), pk=self.kwargs["shipment_pk"]
            )
        return self._shipment

    def etag_version(self, obj):
        return obj.shipment.order.version

    def get_queryset(self):
        return super().get_queryset().filter(shipment=self.shipment)

    def create(self, request, *args, **kwargs):
        fields = self.read_body()
        if fields["line"].order_id != self.shipment.order_id:
            raise ValidationError({"lineId": ["That line is not on this shipment's order."]})
        allocation = services.allocation_create(shipment=self.shipment, user=request.user, **fields)
        return self.respond_created(self.get_queryset().get(pk=allocation.pk))

    def destroy(self, request, *args, **kwargs):
        allocation = self.get_object()
        with order_held(request, self.shipment.order):
            services.allocation_delete(allocation=allocation, user=request.user)
        return self.respond_empty()


class SalesOrderStockActionViewSet(OrderActionsMixin, ApiViewSet):
    """The order actions that release or reserve stock first, so shipping's."""

    queryset = SalesOrder.objects.all()
    serializer_class = SalesOrderSerializer

    @extend_schema(request=ReasonSerializer, responses={204: None})
    @bound_action(SalesOrder.TRANSITIONS["cancel"].permission)
    def cancel(self, request, *args, **kwargs):
        """Cancel Order: release the stock its pending shipments reserve, then cancel it."""
        reason = self.read_body(ReasonSerializer).get("reason", "") if request.data else ""
        return self.run_on_order(
            lambda order, expected: services.salesorder_cancel(
                order=order, user=request.user, reason=reason, expected_version=expected
            )
        )

    @extend_schema(request=AutoAllocateSerializer, responses={200: AutoAllocateResultSerializer})
    @bound_action(["shipping.add_allocation", "shipping.add_shipment"])
    def autoAllocate(self, request, *args, **kwargs):  # noqa: N802
        """Auto Allocate into `shipmentId`, else the order's newest pending shipment, else a
        new one (kept only when something was allocated)."""
        order = self.get_object()
        fields = self.read_body(AutoAllocateSerializer) if request.data else {}
        shipment = fields.get("shipment")
        with order_held(request, order):
            if shipment is not None and shipment.order_id != order.pk:
                raise ValidationError({"shipmentId": ["That shipment is not on this order."]})
            shipment = shipment or Shipment.objects.filter(order=order).pending().last()
            created = shipment is None
            if created:
                shipment = services.shipment_create(order=order, user=request.user)
            result = services.order_auto_allocate(order=order, shipment=shipment, user=request.user)
            if created and not result.allocated:
                transaction.set_rollback(True)
        body = AutoAllocateResultSerializer(
            {
                "shipmentId": shipment.pk,
                "allocatedQuantities": result.allocated_by_unit(),
                "complete": result.complete,
                "message": result.summary(),
            }
        ).data
        if created and not result.allocated:
            body["shipmentId"] = None
        return Response(body, headers={"ETag": order_etag(order.pk)})
