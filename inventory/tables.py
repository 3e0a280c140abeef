import django_tables2 as tables
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from inventory.models import Part, StockItem, StockMovement

# Cells render in Python: a TemplateColumn (django-tables2's DateColumn is one) compiles its
# template again for every cell, which was most of the time a part page took to render.
STATUS_BADGES = {
    StockItem.Status.OK: "text-bg-success",
    StockItem.Status.DAMAGED: "text-bg-danger",
    StockItem.Status.QUARANTINED: "text-bg-warning",
}
END = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class QuantityColumn(tables.Column):
    """A quantity with up to 4 decimals and no trailing zeros, right-aligned."""

    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", END)
        super().__init__(**kwargs)

    def render(self, value):
        return floatformat(value, "-4")


class QuantityChangeColumn(QuantityColumn):
    """A signed change: +5, -2.5, 0."""

    def render(self, value):
        return f"{'+' if value > 0 else ''}{floatformat(value, '-4')}"


class DateColumn(tables.Column):
    """A date, or a datetime in the current time zone, in a `date` filter format."""

    def __init__(self, format: str = "SHORT_DATE_FORMAT", **kwargs):
        super().__init__(**kwargs)
        self.format = format

    def render(self, value):
        return date_filter(template_localtime(value), self.format)


class StatusColumn(tables.Column):
    def render(self, record):
        status = StockItem.Status(record.status)
        return format_html('<span class="badge {}">{}</span>', STATUS_BADGES[status], status.label)


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
        inactive = '<span class="badge text-bg-secondary">Inactive</span>'
        not_salable = ' <span class="badge text-bg-light border">Not salable</span>'
        return mark_safe(
            ("" if record.active else inactive) + ("" if record.salable else not_salable)
        )


class PartTable(tables.Table):
    sku = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    list_price = tables.Column(attrs=END)
    on_hand = QuantityColumn(verbose_name="On hand")
    available = QuantityColumn(verbose_name="Available")
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
    quantity = QuantityColumn()
    allocated_quantity = QuantityColumn(verbose_name="Allocated")
    available = QuantityColumn(verbose_name="Available")
    status = StatusColumn()
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
    created_at = DateColumn(verbose_name="When", format="Y-m-d H:i")
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
