import django_tables2 as tables

from inventory.models import Part, StockItem, StockMovement

STATUS_BADGE = (
    '{% if record.status == "ok" %}<span class="badge text-bg-success">OK</span>'
    '{% elif record.status == "damaged" %}<span class="badge text-bg-danger">Damaged</span>'
    '{% else %}<span class="badge text-bg-warning">Quarantined</span>{% endif %}'
)
QTY = "{{ value|floatformat:'-4' }}"


class QuantityColumn(tables.TemplateColumn):
    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end"}, "th": {"class": "text-end"}})
        super().__init__(QTY, **kwargs)


class PartTable(tables.Table):
    sku = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    list_price = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    on_hand = QuantityColumn(verbose_name="On hand")
    available = QuantityColumn(verbose_name="Available")
    flags = tables.TemplateColumn(
        '{% if not record.active %}<span class="badge text-bg-secondary">Inactive</span>{% endif %}'
        '{% if not record.salable %} <span class="badge text-bg-light border">Not salable</span>'
        "{% endif %}",
        verbose_name="",
        orderable=False,
    )

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
    status = tables.TemplateColumn(STATUS_BADGE)

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
    created_at = tables.DateTimeColumn(verbose_name="When", format="Y-m-d H:i")
    kind = tables.Column(verbose_name="Movement")
    quantity_delta = tables.TemplateColumn(
        "{% if value > 0 %}+{% endif %}{{ value|floatformat:'-4' }}",
        verbose_name="Change",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    quantity_after = QuantityColumn(verbose_name="Quantity after")
    where = tables.TemplateColumn(
        "{% if record.from_location %}{{ record.from_location }} → {% endif %}"
        "{{ record.to_location|default:'' }}",
        verbose_name="Where",
        orderable=False,
    )
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
