import django_tables2 as tables
from django.conf import settings
from django.utils.html import format_html, format_html_join

from core.badges import Badges, badge
from core.columns import (
    BadgeColumn,
    DateColumn,
    DateTimeColumn,
    QuantityColumn,
    UnitPriceColumn,
)
from core.numbers import format_quantity
from inventory.models import Part, StockItem, StockMovement

STATUS_BADGES = Badges(
    StockItem.Status,
    css={
        StockItem.Status.OK: "text-bg-success",
        StockItem.Status.DAMAGED: "text-bg-danger",
        StockItem.Status.QUARANTINED: "text-bg-warning",
    },
)


class QuantityChangeColumn(QuantityColumn):
    """A signed change: +5, -2.5, 0."""

    def render(self, value):
        return f"{'+' if value > 0 else ''}{format_quantity(value)}"

    def value(self, value):
        return self.render(value)


class WhereColumn(tables.Column):
    """From -> to location of a movement, or the one it has."""

    empty_values = ()

    def render(self, record):
        if record.from_location_id is None:
            return record.to_location or ""
        if record.to_location_id is None:
            return format_html("{} → ", record.from_location)
        return format_html("{} → {}", record.from_location, record.to_location)


class PartFlagsColumn(tables.Column):
    empty_values = ()

    def render(self, record):
        flags = []
        if record.is_service:
            flags.append(badge("Service", "text-bg-info"))
        if not record.active:
            flags.append(badge("Inactive", "text-bg-secondary"))
        if not record.salable:
            flags.append(badge("Not salable", "text-bg-light border"))
        return format_html_join(" ", "{}", ((flag,) for flag in flags))


class PartTable(tables.Table):
    sku = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    list_price = UnitPriceColumn(currency=settings.BASE_CURRENCY, fixed=True)
    on_hand = QuantityColumn(verbose_name="On hand", unit="unit")
    available = QuantityColumn(verbose_name="Available", unit="unit")
    flags = PartFlagsColumn(verbose_name="", orderable=False)

    class Meta:
        model = Part
        fields = ["sku", "name", "unit", "list_price", "on_hand", "available", "flags"]
        empty_text = "No parts match."


class StockItemTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Item")
    part = tables.Column(
        linkify=lambda record: record.part.get_absolute_url(), order_by="part__sku"
    )
    location = tables.Column(order_by="location__name")
    quantity = QuantityColumn(unit="part__unit")
    allocated_quantity = QuantityColumn(verbose_name="Allocated", unit="part__unit")
    available = QuantityColumn(verbose_name="Available", unit="part__unit")
    status = BadgeColumn(STATUS_BADGES)
    expiry_date = DateColumn()
    received_date = DateColumn()

    class Meta:
        model = StockItem
        fields = [
            "id",
            "part",
            "location",
            "batch_code",
            "serial_number",
            "quantity",
            "allocated_quantity",
            "available",
            "status",
            "expiry_date",
            "received_date",
        ]
        empty_text = "No stock items match."


class StockMovementTable(tables.Table):
    created_at = DateTimeColumn(verbose_name="When")
    kind = tables.Column(verbose_name="Movement")
    quantity_delta = QuantityChangeColumn(verbose_name="Change")
    quantity_after = QuantityColumn(verbose_name="Quantity after")
    where = WhereColumn(verbose_name="Where", orderable=False)
    user = tables.Column(verbose_name="By")

    class Meta:
        model = StockMovement
        fields = [
            "created_at",
            "kind",
            "quantity_delta",
            "quantity_after",
            "where",
            "reference",
            "reason",
            "user",
        ]
        empty_text = "No movements yet."


class PartMovementTable(StockMovementTable):
    stock_item = tables.Column(
        verbose_name="Item",
        accessor="stock_item_id",
        linkify=("inventory:stockitem-detail", [tables.A("stock_item_id")]),
    )

    class Meta(StockMovementTable.Meta):
        sequence = ["created_at", "stock_item", "..."]
