from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from customers.models import Contact, Customer
from inventory.models import QUANTITY, UNIT_PRICE, Part, TaxRate

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class SalesOrderSettings(models.Model):
    """One row (pk=1): how order references are numbered. Editable by managers."""

    reference_pattern = models.CharField(
        max_length=100,
        default="SO-{ref:04d}",
        help_text="Must contain {ref} (e.g. {ref:04d}); may contain text and {date:%Y}.",
    )

    class Meta:
        verbose_name = "sales order settings"
        verbose_name_plural = "sales order settings"

    def __str__(self) -> str:
        return "Sales order settings"

    @classmethod
    def load(cls) -> "SalesOrderSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class SalesOrderQuerySet(models.QuerySet):
    pass


class SalesOrder(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ISSUED = "issued", "Issued"
        ON_HOLD = "on_hold", "On Hold"
        COMPLETE = "complete", "Complete"
        CANCELLED = "cancelled", "Cancelled"

    reference = models.CharField(max_length=50, unique=True)
    reference_number = models.PositiveIntegerField(db_index=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sales_orders")
    customer_name = models.CharField(max_length=200, editable=False)
    customer_reference = models.CharField("customer PO number", max_length=100, blank=True)
    description = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    order_date = models.DateField(default=timezone.localdate)
    target_date = models.DateField("target (ship-by) date", null=True, blank=True)
    requested_delivery_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    ship_to = models.TextField("ship-to address", blank=True)
    bill_to = models.TextField("bill-to address", blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="sales_orders"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sales_orders",
    )
    priority = models.SmallIntegerField(default=0, help_text="Higher is allocated first.")
    notes = models.TextField(blank=True)
    hold_reason = models.CharField(max_length=250, blank=True)

    # Optimistic concurrency: every saved change of the order or its lines increments it.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Stored totals, kept right in the transaction of every line change.
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    line_count = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SalesOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-reference_number"]
        permissions = [
            ("cancel_salesorder", "Can cancel sales orders"),
            ("complete_salesorder", "Can complete sales orders"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__isnull=True) | Q(target_date__gte=F("order_date")),
                name="salesorder_target_not_before_order_date",
                violation_error_message="The target date cannot be before the order date.",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("salesorders:detail", args=[self.pk])


class SalesOrderLine(models.Model):
    class PriceSource(models.TextChoices):
        LIST = "list", "List price"
        BREAK = "break", "Price break"
        MANUAL = "manual", "Manual"

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="sales_order_lines")
    # Snapshots: renaming the part never changes an old order.
    part_name = models.CharField(max_length=200)
    part_sku = models.CharField("SKU", max_length=50)
    unit = models.CharField(max_length=10)
    quantity = models.DecimalField(**QUANTITY)
    list_unit_price = models.DecimalField(**UNIT_PRICE, default=ZERO)
    unit_price = models.DecimalField(**UNIT_PRICE)
    price_source = models.CharField(max_length=60, default=PriceSource.LIST)
    price_overridden = models.BooleanField(default=False)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    tax_overridden = models.BooleanField(default=False)
    target_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # Maintained by services only (shipping, Cancel Remaining).
    shipped_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    cancelled_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    allocated_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    # Stored amounts, rounded half-up to 2 dp.
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)

    class Meta:
        ordering = ["order", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "part"],
                name="one_line_per_part_per_order",
                violation_error_message="This part is already on the order.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="salesorderline_quantity_positive",
                violation_error_message="The quantity must be above zero.",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="salesorderline_discount_0_to_100",
                violation_error_message="A discount is between 0 and 100 percent.",
            ),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0)
                & Q(cancelled_quantity__gte=0)
                & Q(allocated_quantity__gte=0)
                & Q(
                    quantity__gte=F("shipped_quantity")
                    + F("cancelled_quantity")
                    + F("allocated_quantity")
                ),
                name="salesorderline_shipped_cancelled_allocated_within_quantity",
                violation_error_message=(
                    "Shipped, cancelled and allocated together cannot exceed the ordered quantity."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.part_sku} x {self.quantity.normalize()}"

    @property
    def remaining_quantity(self) -> Decimal:
        """What is still to ship: ordered less shipped and cancelled."""
        return self.quantity - self.shipped_quantity - self.cancelled_quantity

    @property
    def unallocated_quantity(self) -> Decimal:
        """What still needs stock reserved for it."""
        return self.remaining_quantity - self.allocated_quantity


class SalesOrderExtraLine(models.Model):
    """A charge or rebate that is not a part: shipping fee, handling, discount."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="extra_lines")
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(**QUANTITY, default=Decimal("1"))
    unit_price = models.DecimalField(**UNIT_PRICE, help_text="Negative for a rebate.")
    tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    sort_order = models.PositiveIntegerField(default=0)
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)

    class Meta:
        ordering = ["order", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="salesorderextraline_quantity_positive",
                violation_error_message="The quantity must be above zero.",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class SalesOrderEvent(models.Model):
    """History: who changed what on an order, and when."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    message = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}: {self.message[:50]}"


class CalendarFeedToken(models.Model):
    """A user's secret for the ICS feed URL; regenerating it retires the old URL at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed token of {self.user}"
