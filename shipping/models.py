from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.links import url_by_pk
from inventory.models import QUANTITY, StockItem
from salesorders.models import SalesOrder, SalesOrderLine


class ShipmentQuerySet(models.QuerySet):
    def pending(self) -> "ShipmentQuerySet":
        """Shipments not yet shipped: their allocations still reserve stock.

        Lower apps reach this through the reverse relation (`order.shipments.pending()`)."""
        return self.filter(status=Shipment.Status.PENDING)


class Shipment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="shipments")
    reference = models.CharField(max_length=30, help_text="Left blank, the next number.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    address = models.TextField("shipment address", blank=True)
    shipped_date = models.DateField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        permissions = [("complete_shipment", "Can complete shipments")]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"],
                name="one_shipment_reference_per_order",
                violation_error_message="This order already has a shipment with that reference.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference} / {self.reference}"

    def get_absolute_url(self) -> str:
        return url_by_pk("shipping:shipment-detail", self.pk)

    @property
    def is_pending(self) -> bool:
        """Not shipped yet: its allocations reserve stock and may still change."""
        return self.status == self.Status.PENDING

    @property
    def awaits_delivery(self) -> bool:
        """Shipped and not yet marked delivered: Mark Delivered applies."""
        return self.status == self.Status.SHIPPED

    @property
    def is_delivered(self) -> bool:
        return self.status == self.Status.DELIVERED


class AllocationQuerySet(models.QuerySet):
    def pending(self) -> "AllocationQuerySet":
        """Allocations of pending shipments: what the `allocated_quantity` counters count.

        Lower apps reach this through the reverse relation (`stock_item.allocations.pending()`,
        `line.allocations.pending()`)."""
        return self.filter(shipment__status=Shipment.Status.PENDING)


class Allocation(models.Model):
    """Stock of one item reserved for one order line in one shipment.

    While the shipment is pending it counts in the line's and the stock item's
    `allocated_quantity`; once shipped it stays as the record of what left from where.
    """

    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="allocations")
    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="allocations")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="allocations")
    quantity = models.DecimalField(**QUANTITY)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        # By the columns, in each shipment its lines' order: "shipment" and "line" would
        # follow their models' orderings and join the order row (twice) for every allocation.
        ordering = ["shipment_id", "line__sort_order", "line_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "stock_item", "shipment"],
                name="one_allocation_per_line_item_shipment",
                violation_error_message="This stock item is already allocated to that line.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="allocation_quantity_positive",
                violation_error_message="An allocated quantity must be above zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity.normalize()} of {self.stock_item_id} for line {self.line_id}"
