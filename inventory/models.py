from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from core.currency import validate_currency_code

QUANTITY = {"max_digits": 12, "decimal_places": 4}
UNIT_PRICE = {"max_digits": 14, "decimal_places": 4}
ZERO = Decimal("0")


class TaxRate(models.Model):
    name = models.CharField(max_length=100, unique=True)
    percent = models.DecimalField(max_digits=6, decimal_places=3, help_text="e.g. 20.000 for 20%")
    active = models.BooleanField(default=True)
    standard = models.BooleanField(
        "standard rate",
        default=False,
        help_text="Charges and fees (extra lines) are taxed at it unless told otherwise.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="taxrate_percent_0_to_100",
                violation_error_message="A tax rate is between 0 and 100 percent.",
            ),
            models.UniqueConstraint(
                fields=["standard"],
                condition=Q(standard=True),
                name="one_standard_taxrate",
                violation_error_message="Another tax rate is already the standard rate.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def usable_stock_q(prefix: str = "") -> Q:
    """OK stock that has not expired as of today (an item is usable on its expiry date)."""
    today = timezone.localdate()
    return Q(**{f"{prefix}status": "ok"}) & (
        Q(**{f"{prefix}expiry_date__isnull": True}) | Q(**{f"{prefix}expiry_date__gte": today})
    )


def _stock_sum(expression, condition: Q | None = None) -> Coalesce:
    """Sum of `expression` over a part's stock items, as a correlated subquery (0 when none)."""
    items = StockItem.objects.filter(part=OuterRef("pk"))
    if condition is not None:
        items = items.filter(condition)
    total = (
        items.order_by()
        .values("part")
        .annotate(total=Sum(expression, output_field=models.DecimalField(**QUANTITY)))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=models.DecimalField(**QUANTITY)),
        ZERO,
        output_field=models.DecimalField(**QUANTITY),
    )


class PartQuerySet(models.QuerySet):
    def active(self) -> "PartQuerySet":
        return self.filter(active=True)

    def salable(self) -> "PartQuerySet":
        """Parts that may be put on a sales order: active and salable."""
        return self.filter(active=True, salable=True)

    def matching(self, text: str) -> "PartQuerySet":
        """The part whose SKU is `text`, else those whose name contains it (any case)."""
        sku_taken = Exists(Part.objects.filter(sku__iexact=text))
        return self.filter(Q(sku__iexact=text) | (Q(name__icontains=text) & ~sku_taken))

    def with_stock_item_count(self) -> "PartQuerySet":
        """Annotate `stock_item_count`: how many stock items a part has, whatever their status."""
        items = (
            StockItem.objects.filter(part=OuterRef("pk"))
            .order_by()
            .values("part")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(stock_item_count=Coalesce(Subquery(items), 0))

    def with_stock(self) -> "PartQuerySet":
        """Annotate `on_hand`, `allocated` and `available` per part, in the same query.

        on_hand: every stock item's quantity, whatever its status. allocated: what pending
        shipments hold. available: OK, unexpired stock minus what is allocated from it.
        """
        return self.annotate(
            on_hand=_stock_sum(F("quantity")),
            allocated=_stock_sum(F("allocated_quantity")),
            available=_stock_sum(F("quantity") - F("allocated_quantity"), usable_stock_q()),
        )


class Part(models.Model):
    class Unit(models.TextChoices):
        PIECES = "pcs", "pcs"
        KILOGRAMS = "kg", "kg"
        METRES = "m", "m"
        LITRES = "l", "l"
        BOXES = "box", "box"
        HOURS = "h", "h"

    sku = models.CharField("SKU", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.PIECES)
    salable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    list_price = models.DecimalField(**UNIT_PRICE, default=ZERO)
    default_tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.PROTECT, null=True, blank=True, related_name="parts"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartQuerySet.as_manager()

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0),
                name="part_list_price_not_negative",
                violation_error_message="A list price cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:part-detail", args=[self.pk])


class PriceBreak(models.Model):
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="price_breaks")
    min_quantity = models.DecimalField("minimum quantity", **QUANTITY)
    unit_price = models.DecimalField(**UNIT_PRICE)

    class Meta:
        ordering = ["part", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["part", "min_quantity"],
                name="one_price_break_per_min_quantity",
                violation_error_message="This part already has a price break for that quantity.",
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__gt=0),
                name="pricebreak_min_quantity_positive",
                violation_error_message="A price break's minimum quantity must be above zero.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="pricebreak_unit_price_not_negative",
                violation_error_message="A unit price cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part.sku}: {self.unit_price} from {self.min_quantity.normalize()}"


class PriceList(models.Model):
    """Prices of parts in one currency, for every customer buying in it or for one customer.

    A line is priced from the customer's own list first, then from the list of the order's
    currency, else from the part's base price converted at the order's rate."""

    name = models.CharField(max_length=100)
    currency = models.CharField(
        max_length=3, validators=[validate_currency_code], help_text="ISO 4217 code."
    )
    # By name: customers sit beside inventory (layer 1), neither imports the other.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="price_lists",
        help_text="Blank: for every customer buying in this currency.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["currency", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency"],
                condition=Q(customer__isnull=True, active=True),
                name="one_active_pricelist_per_currency",
                violation_error_message="There is already an active price list for this currency.",
            ),
            models.UniqueConstraint(
                fields=["customer", "currency"],
                condition=Q(customer__isnull=False, active=True),
                name="one_active_pricelist_per_customer_currency",
                violation_error_message=(
                    "This customer already has an active price list in this currency."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListPrice(models.Model):
    """A part's unit price on a price list from a minimum quantity: its own price breaks."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="list_prices")
    min_quantity = models.DecimalField("minimum quantity", **QUANTITY, default=Decimal("1"))
    unit_price = models.DecimalField(**UNIT_PRICE)

    class Meta:
        ordering = ["price_list", "part", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "part", "min_quantity"],
                name="one_pricelist_price_per_min_quantity",
                violation_error_message=(
                    "This list already has a price of the part for that quantity."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__gt=0),
                name="pricelistprice_min_quantity_positive",
                violation_error_message="A minimum quantity must be above zero.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="pricelistprice_unit_price_not_negative",
                violation_error_message="A unit price cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}: {self.unit_price} from {self.min_quantity.normalize()}"


class StockLocation(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A location cannot sit inside itself or inside one of its own sub-locations."""
        super().clean()
        if self.pk is None or self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": "A location cannot be its own parent."})
        # Walk up from the chosen parent; meeting this location means the parent is inside it.
        seen = set()
        ancestor_pk = self.parent_id
        while ancestor_pk is not None and ancestor_pk not in seen:
            if ancestor_pk == self.pk:
                raise ValidationError(
                    {
                        "parent": f"{self.parent} is inside {self.name}, so it cannot be its "
                        "parent. Choose a location outside this one."
                    }
                )
            seen.add(ancestor_pk)
            ancestor_pk = (
                StockLocation.objects.filter(pk=ancestor_pk)
                .values_list("parent_id", flat=True)
                .first()
            )


class StockItemQuerySet(models.QuerySet):
    def with_available(self) -> "StockItemQuerySet":
        """Annotate `available`: quantity - allocated_quantity for OK, unexpired stock, and 0
        for stock that cannot be allocated (Damaged, Quarantined or expired), like the part's
        figure in `PartQuerySet.with_stock`."""
        return self.annotate(
            available=models.Case(
                models.When(usable_stock_q(), then=F("quantity") - F("allocated_quantity")),
                default=models.Value(ZERO),
                output_field=models.DecimalField(**QUANTITY),
            )
        )

    def usable(self) -> "StockItemQuerySet":
        """OK stock that has not expired as of today."""
        return self.filter(usable_stock_q())

    def allocatable(self, part: "Part | None" = None) -> "StockItemQuerySet":
        """Stock that may be allocated now: OK, not expired, something left to allocate.

        Annotated with `available`; ordered oldest received first, then soonest expiry (items
        without an expiry date last), then pk, so allocation takes the oldest stock first.
        """
        items = self.usable().filter(quantity__gt=F("allocated_quantity"))
        if part is not None:
            items = items.filter(part=part)
        return items.with_available().order_by(
            "received_date", F("expiry_date").asc(nulls_last=True), "pk"
        )


class StockItem(models.Model):
    """A quantity of one part in one place.

    `allocated_quantity` is what pending shipments have reserved from this item. Only the
    shipping services change it, under a row lock, and the database refuses any write that
    would reserve more than is on hand or reserve stock that is not OK.
    """

    class Status(models.TextChoices):
        OK = "ok", "OK"
        DAMAGED = "damaged", "Damaged"
        QUARANTINED = "quarantined", "Quarantined"

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_items")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="items")
    quantity = models.DecimalField(**QUANTITY, default=ZERO)
    allocated_quantity = models.DecimalField(**QUANTITY, default=ZERO, editable=False)
    batch_code = models.CharField(max_length=50, blank=True)
    serial_number = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OK)
    expiry_date = models.DateField(null=True, blank=True)
    received_date = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockItemQuerySet.as_manager()

    class Meta:
        ordering = ["part", "received_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="stockitem_quantity_not_negative",
                violation_error_message="A stock quantity cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(allocated_quantity__gte=0) & Q(allocated_quantity__lte=F("quantity")),
                name="stockitem_allocated_within_quantity",
                violation_error_message="More would be allocated than this stock item holds.",
            ),
            models.CheckConstraint(
                condition=Q(status="ok") | Q(allocated_quantity=0),
                name="stockitem_only_ok_stock_allocated",
                violation_error_message="Stock that is allocated must stay OK.",
            ),
            models.CheckConstraint(
                condition=Q(serial_number="") | Q(quantity__lte=1),
                name="stockitem_serialised_quantity_one",
                violation_error_message="A serialised item has quantity 1.",
            ),
            models.UniqueConstraint(
                fields=["part", "serial_number"],
                condition=~Q(serial_number=""),
                name="one_stockitem_per_part_serial",
                violation_error_message="This part already has an item with that serial number.",
            ),
        ]

    def __str__(self) -> str:
        tag = f" #{self.serial_number}" if self.serial_number else ""
        tag += f" batch {self.batch_code}" if self.batch_code else ""
        return f"{self.part.sku}{tag} @ {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:stockitem-detail", args=[self.pk])

    def is_usable(self) -> bool:
        """OK and not expired as of today: the stock allocation may take from."""
        return self.status == self.Status.OK and (
            self.expiry_date is None or self.expiry_date >= timezone.localdate()
        )

    @property
    def available_quantity(self) -> Decimal:
        """What could still be allocated: 0 for stock that is not usable (see with_available)."""
        return self.quantity - self.allocated_quantity if self.is_usable() else ZERO


class StockMovement(models.Model):
    """Append-only ledger: every change of a stock item's quantity or place."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        ADJUSTED = "adjusted", "Adjusted"
        MOVED = "moved", "Moved"
        SHIPPED = "shipped", "Shipped"
        RETURNED = "returned", "Returned"

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    # The stock item's part, copied so a part's movements are read from one index
    # (stockmovement_part_recent) instead of scanning every movement by date. Every writer sets it.
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="stock_movements", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity_delta = models.DecimalField(**QUANTITY)
    quantity_after = models.DecimalField(**QUANTITY)
    from_location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=200, blank=True, help_text="What caused it.")
    reason = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # A part page's latest movements; its leading column also serves the part FK.
            models.Index(fields=["part", "-created_at", "-id"], name="stockmovement_part_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity_delta:+} of {self.stock_item_id}"
