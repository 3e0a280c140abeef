from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.currency import validate_currency_code
from core.links import url_by_pk
from core.numbers import format_quantity
from core.pickers import suggestions

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


def _stock_sum(expression, condition: Q | None = None, part: str = "pk") -> Coalesce:
    """Sum of `expression` over a part's stock items, as a correlated subquery (0 when none);
    `part` names the outer query's part column."""
    items = StockItem.objects.filter(part=OuterRef(part))
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


def available_stock(part: str = "pk") -> Coalesce:
    """What could still be allocated of the part in the outer query's `part` column: OK,
    unexpired stock less what pending shipments hold (the `available` of with_stock), as one
    correlated subquery (0 when none)."""
    return _stock_sum(F("quantity") - F("allocated_quantity"), usable_stock_q(), part=part)


class PartQuerySet(models.QuerySet):
    def active(self) -> "PartQuerySet":
        return self.filter(active=True)

    def salable(self) -> "PartQuerySet":
        """Parts that may be put on a sales order: active and salable."""
        return self.filter(active=True, salable=True)

    def stocked(self) -> "PartQuerySet":
        """Stock parts: those that have stock items (not services)."""
        return self.filter(kind=PartKind.STOCK)

    def matching(self, text: str) -> "PartQuerySet":
        """The part whose SKU is `text`, else those whose name contains it (any case)."""
        sku_taken = Exists(Part.objects.filter(sku__iexact=text))
        return self.filter(Q(sku__iexact=text) | (Q(name__icontains=text) & ~sku_taken))

    def suggest(self, text: str) -> "PartQuerySet":
        """Parts whose SKU or name contains `text`, the one whose SKU it is first (the part
        picker's suggestions; see core.pickers)."""
        return suggestions(self, text, code="sku")

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
            available=available_stock(),
        )


class Unit(models.TextChoices):
    """Units of measure (Part.Unit). What each allows is UNITS, beside it."""

    PIECES = "pcs", "pcs"
    KILOGRAMS = "kg", "kg"
    METRES = "m", "m"
    LITRES = "l", "l"
    BOXES = "box", "box"
    HOURS = "h", "h"


@dataclass(frozen=True)
class UnitRule:
    """How quantities of a unit are counted: `decimals` places at most (0: whole), and the
    words a refusal uses ("whole pieces", "kilograms")."""

    decimals: int
    counted_in: str

    @property
    def step(self) -> Decimal:
        """The smallest quantity: 1 for whole units, 0.001 for three decimals."""
        return Decimal(1).scaleb(-self.decimals)


# The one table of what each unit allows; forms, services, formatting and the generator read it.
UNITS: dict[str, UnitRule] = {
    Unit.PIECES: UnitRule(0, "whole pieces"),
    Unit.BOXES: UnitRule(0, "whole boxes"),
    Unit.KILOGRAMS: UnitRule(3, "kilograms"),
    Unit.METRES: UnitRule(2, "metres"),
    Unit.LITRES: UnitRule(3, "litres"),
    Unit.HOURS: UnitRule(2, "hours"),
}
# A unit outside the table (an old snapshot) keeps the 4 decimals every quantity column has.
ANY_UNIT = UnitRule(4, "units")


def unit_rule(unit: str) -> UnitRule:
    return UNITS.get(unit, ANY_UNIT)


def quantity_refusal(quantity: Decimal, unit: str, *, what: str) -> str | None:
    """Why `quantity` of `what` (a part's name) is not allowed in `unit`, or None when it fits
    the unit's decimals: "Safety helmet is counted in whole pieces (pcs): 2.5 is not allowed."
    """
    rule = unit_rule(unit)
    if quantity == quantity.quantize(rule.step, rounding=ROUND_DOWN):
        return None
    places = "" if rule.decimals == 0 else f" to {rule.decimals} decimal places"
    return (
        f"{what} is counted in {rule.counted_in} ({unit}){places}: "
        f"{format_quantity(quantity)} is not allowed."
    )


def format_unit_quantity(quantity, unit: str) -> str:
    """A quantity with its unit's decimals and the unit: "40 pcs", "2.500 kg"."""
    return f"{format_quantity(quantity, unit_rule(unit).decimals)} {unit}"


def quantities_by_unit(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Sum (unit, quantity) pairs per unit, in the order units first appear: quantities of
    different units are never added together."""
    totals: dict[str, Decimal] = {}
    for unit, quantity in pairs:
        totals[unit] = totals.get(unit, ZERO) + quantity
    return totals


def format_per_unit(totals: dict[str, Decimal]) -> str:
    """{"pcs": 40, "m": 3} -> "40 pcs and 3.00 m" (empty: "nothing")."""
    shown = [format_unit_quantity(quantity, unit) for unit, quantity in totals.items()]
    if not shown:
        return "nothing"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


class PartKind(models.TextChoices):
    """Stock parts are kept in stock and shipped; service parts (installation, a certificate)
    have no stock and are delivered (Mark Delivered on the order line)."""

    STOCK = "stock", "Stock"
    SERVICE = "service", "Service"


class Part(models.Model):
    Unit = Unit
    Kind = PartKind

    sku = models.CharField("SKU", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.PIECES)
    kind = models.CharField(
        "type",
        max_length=10,
        choices=PartKind.choices,
        default=PartKind.STOCK,
        help_text="Service parts (installation, certificates) have no stock: they are delivered.",
    )
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
        return url_by_pk("inventory:part-detail", self.pk)

    def clean(self) -> None:
        """A part with stock stays a stock part, and its stock must fit a changed unit (the
        admin and part_save both run this through full_clean)."""
        super().clean()
        if self.pk is None:
            return
        items = StockItem.objects.filter(part_id=self.pk)
        if self.is_service and items.exists():
            raise ValidationError(
                {
                    "kind": f"{self.name} has stock items, so it cannot become a service; count "
                    "its stock out first or make a new service part."
                }
            )
        quantities = items.exclude(quantity=0).values_list("quantity", flat=True).distinct()
        for quantity in quantities:
            if self.quantity_refusal(quantity):
                raise ValidationError(
                    {
                        "unit": f"{self.name} has a stock item of {format_quantity(quantity)}, "
                        f"which is not counted in {unit_rule(self.unit).counted_in} "
                        f"({self.unit}); adjust that stock first."
                    }
                )

    @property
    def is_service(self) -> bool:
        """A service part: no stock items, delivered rather than shipped."""
        return self.kind == PartKind.SERVICE

    def quantity_refusal(self, quantity: Decimal) -> str | None:
        """Why `quantity` does not fit this part's unit (see quantity_refusal), or None."""
        return quantity_refusal(quantity, self.unit, what=self.name)


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
        return url_by_pk("inventory:stockitem-detail", self.pk)

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
