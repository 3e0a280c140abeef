"""Sales orders in Business Central v2.0's shape (`salesOrders`, `salesOrderLines`), for the
fields the order has today. Money and quantities are decimal strings, never floats.

`status` speaks Business Central's values where it has them: Pending is "Open", Issued is
"Released"; the others keep their labels ("Pending Approval", "On Hold", "Complete",
"Cancelled")."""

from collections.abc import Mapping

from rest_framework import serializers

from accounting.models import Account
from core.api.serializers import ApiModelSerializer
from core.currency import RATE
from core.numbers import MONEY, QUANTITY, UNIT_PRICE
from customers.models import Customer
from inventory.models import Part, TaxRate
from salesorders.models import (
    InvoicingState,
    OrderStatus,
    SalesOrder,
    SalesOrderExtraLine,
    SalesOrderLine,
)

BUSINESS_CENTRAL_STATUS = {OrderStatus.PENDING: "Open", OrderStatus.ISSUED: "Released"}
# stored value -> API value, and back; every status the model has, so new ones appear here
STATUS_TO_API = {
    value: BUSINESS_CENTRAL_STATUS.get(value, str(label)) for value, label in OrderStatus.choices
}
STATUS_FROM_API = {api: value for value, api in STATUS_TO_API.items()}
# Codat's invoicingStatus values, from the derived invoicing state.
INVOICING_TO_API = {
    InvoicingState.NOT_INVOICED: "NotInvoiced",
    InvoicingState.PARTIALLY_INVOICED: "PartiallyInvoiced",
    InvoicingState.INVOICED: "Invoiced",
}
INVOICING_FROM_API = {api: value for value, api in INVOICING_TO_API.items()}


def money_field(source: str, **kwargs):
    return serializers.DecimalField(source=source, **MONEY, read_only=True, **kwargs)


def quantity_field(source: str, **kwargs):
    return serializers.DecimalField(source=source, **QUANTITY, **kwargs)


class StatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(STATUS_FROM_API), **kwargs)

    def to_representation(self, value):
        return STATUS_TO_API[value]


class OrderVersionMixin:
    """A line's ETag is its order's version: every line change bumps it."""

    def etag_version(self, instance):
        return self.context.get("order_version") or instance.order.version


class SalesOrderLineSerializer(OrderVersionMixin, ApiModelSerializer):
    documentId = serializers.PrimaryKeyRelatedField(source="order", read_only=True)  # noqa: N815
    sequence = serializers.IntegerField(source="sort_order", read_only=True)
    itemId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="part", queryset=Part.objects.all(), required=False
    )
    lineObjectNumber = serializers.CharField(source="part_sku", required=False, max_length=50)  # noqa: N815
    description = serializers.CharField(source="part_name", read_only=True)
    unitOfMeasureCode = serializers.CharField(source="unit", read_only=True)  # noqa: N815
    unitPrice = serializers.DecimalField(  # noqa: N815
        source="unit_price", **UNIT_PRICE, required=False, allow_null=True
    )
    priceSource = serializers.CharField(source="price_source_label", read_only=True)  # noqa: N815
    quantity = serializers.DecimalField(**QUANTITY)
    discountPercent = serializers.DecimalField(  # noqa: N815
        source="discount_percent", max_digits=5, decimal_places=2, required=False
    )
    amountExcludingTax = money_field("subtotal")  # noqa: N815
    taxCode = serializers.CharField(source="tax_name", read_only=True)  # noqa: N815
    taxPercent = serializers.DecimalField(  # noqa: N815
        source="tax_percent", max_digits=6, decimal_places=3, read_only=True
    )
    totalTaxAmount = money_field("tax_amount")  # noqa: N815
    amountIncludingTax = money_field("total")  # noqa: N815
    shipmentDate = serializers.DateField(source="target_date", required=False, allow_null=True)  # noqa: N815
    shippedQuantity = quantity_field("shipped_quantity", read_only=True)  # noqa: N815
    allocatedQuantity = quantity_field("allocated_quantity", read_only=True)  # noqa: N815
    cancelledQuantity = quantity_field("cancelled_quantity", read_only=True)  # noqa: N815
    invoicedQuantity = quantity_field("invoiced_quantity", read_only=True)  # noqa: N815
    shipQuantity = quantity_field("remaining_quantity", read_only=True)  # noqa: N815
    notes = serializers.CharField(required=False, allow_blank=True)
    # The revenue account the line books to (Codat accountRef): the part's default unless
    # given; null for none.
    accountId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="revenue_account", queryset=Account.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = SalesOrderLine
        fields = [
            "id",
            "documentId",
            "sequence",
            "itemId",
            "lineObjectNumber",
            "description",
            "unitOfMeasureCode",
            "unitPrice",
            "priceSource",
            "quantity",
            "discountPercent",
            "amountExcludingTax",
            "taxCode",
            "taxPercent",
            "totalTaxAmount",
            "amountIncludingTax",
            "shipmentDate",
            "shippedQuantity",
            "allocatedQuantity",
            "cancelledQuantity",
            "invoicedQuantity",
            "shipQuantity",
            "notes",
            "accountId",
        ]

    def get_validators(self):
        return []

    def validate(self, attrs):
        """A new line names its item by itemId or by lineObjectNumber (the SKU), not both
        differently; a line's item cannot change (remove it and add another)."""
        sku = attrs.pop("part_sku", None)
        if self.instance is not None:
            if "part" in attrs or sku is not None:
                raise serializers.ValidationError(
                    {"itemId": "A line's item cannot change; remove the line and add another."}
                )
            return attrs
        if sku is not None:
            part = Part.objects.filter(sku=sku).first()
            if part is None:
                raise serializers.ValidationError(
                    {"lineObjectNumber": f"No item has number {sku}."}
                )
            if attrs.get("part") not in (None, part):
                raise serializers.ValidationError(
                    {"lineObjectNumber": "itemId and lineObjectNumber name different items."}
                )
            attrs["part"] = part
        if "part" not in attrs:
            raise serializers.ValidationError(
                {"itemId": "Name the item by itemId or lineObjectNumber."}
            )
        return attrs


class SalesOrderExtraLineSerializer(OrderVersionMixin, ApiModelSerializer):
    documentId = serializers.PrimaryKeyRelatedField(source="order", read_only=True)  # noqa: N815
    sequence = serializers.IntegerField(source="sort_order", read_only=True)
    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    unitPrice = serializers.DecimalField(source="unit_price", **UNIT_PRICE)  # noqa: N815
    taxRateId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="tax_rate", queryset=TaxRate.objects.all(), required=False, allow_null=True
    )
    taxCode = serializers.CharField(source="tax_name", read_only=True)  # noqa: N815
    taxPercent = serializers.DecimalField(  # noqa: N815
        source="tax_percent", max_digits=6, decimal_places=3, read_only=True
    )
    amountExcludingTax = money_field("subtotal")  # noqa: N815
    totalTaxAmount = money_field("tax_amount")  # noqa: N815
    amountIncludingTax = money_field("total")  # noqa: N815

    class Meta:
        model = SalesOrderExtraLine
        fields = [
            "id",
            "documentId",
            "sequence",
            "description",
            "quantity",
            "unitPrice",
            "taxRateId",
            "taxCode",
            "taxPercent",
            "amountExcludingTax",
            "totalTaxAmount",
            "amountIncludingTax",
        ]

    def get_validators(self):
        return []


class SalesOrderSerializer(ApiModelSerializer):
    number = serializers.CharField(source="reference", max_length=50, required=False)
    externalDocumentNumber = serializers.CharField(  # noqa: N815
        source="customer_reference", max_length=100, required=False, allow_blank=True
    )
    orderDate = serializers.DateField(source="order_date", required=False)  # noqa: N815
    requestedDeliveryDate = serializers.DateField(  # noqa: N815
        source="requested_delivery_date", required=False, allow_null=True
    )
    shipmentDate = serializers.DateField(source="target_date", required=False, allow_null=True)  # noqa: N815
    customerId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="customer", queryset=Customer.objects.all(), required=False
    )
    # Read-only in the schema; a POST may still name the customer by it (to_internal_value).
    customerNumber = serializers.CharField(source="customer.code", read_only=True)  # noqa: N815
    customerName = serializers.CharField(source="customer_name", read_only=True)  # noqa: N815
    shipToAddress = serializers.CharField(source="ship_to", required=False, allow_blank=True)  # noqa: N815
    billToAddress = serializers.CharField(source="bill_to", required=False, allow_blank=True)  # noqa: N815
    currencyCode = serializers.CharField(source="currency", max_length=3, required=False)  # noqa: N815
    # Codat's name for the customer's PO number (Business Central's externalDocumentNumber).
    customerPurchaseOrderNumber = serializers.CharField(  # noqa: N815
        source="customer_reference", read_only=True
    )
    currencyRate = serializers.DecimalField(source="currency_rate", **RATE, read_only=True)  # noqa: N815
    pricesIncludeTax = serializers.BooleanField(source="prices_include_tax", required=False)  # noqa: N815
    dueDate = serializers.DateField(source="due_date", read_only=True)  # noqa: N815
    # The order discount: a percentage or an amount (net), never both.
    discountPercent = serializers.DecimalField(  # noqa: N815
        source="discount_percent", max_digits=5, decimal_places=2, required=False
    )
    discountAmount = serializers.DecimalField(  # noqa: N815
        source="discount_amount", **MONEY, required=False
    )
    totalDiscount = money_field("discount_total")  # noqa: N815
    totalAmountExcludingTax = money_field("subtotal")  # noqa: N815
    totalTaxAmount = money_field("tax_total")  # noqa: N815
    totalAmountIncludingTax = money_field("total")  # noqa: N815
    # The same in the company's base currency, at currencyRate.
    baseTotalAmountExcludingTax = money_field("base_subtotal")  # noqa: N815
    baseTotalAmountIncludingTax = money_field("base_total")  # noqa: N815
    status = StatusField(read_only=True)
    fullyShipped = serializers.SerializerMethodField()  # noqa: N815
    fullyInvoiced = serializers.SerializerMethodField()  # noqa: N815
    invoicingStatus = serializers.SerializerMethodField()  # noqa: N815
    holdReason = serializers.CharField(source="hold_reason", read_only=True)  # noqa: N815
    lineCount = serializers.IntegerField(source="line_count", read_only=True)  # noqa: N815
    priority = serializers.IntegerField(required=False, min_value=-32768, max_value=32767)
    lastModifiedDateTime = serializers.DateTimeField(source="updated_at", read_only=True)  # noqa: N815

    class Meta:
        model = SalesOrder
        fields = [
            "id",
            "number",
            "externalDocumentNumber",
            "orderDate",
            "requestedDeliveryDate",
            "shipmentDate",
            "customerId",
            "customerNumber",
            "customerName",
            "shipToAddress",
            "billToAddress",
            "customerPurchaseOrderNumber",
            "currencyCode",
            "currencyRate",
            "pricesIncludeTax",
            "dueDate",
            "discountPercent",
            "discountAmount",
            "totalDiscount",
            "totalAmountExcludingTax",
            "totalTaxAmount",
            "totalAmountIncludingTax",
            "baseTotalAmountExcludingTax",
            "baseTotalAmountIncludingTax",
            "status",
            "fullyShipped",
            "fullyInvoiced",
            "invoicingStatus",
            "holdReason",
            "lineCount",
            "description",
            "priority",
            "notes",
            "lastModifiedDateTime",
        ]
        extra_kwargs = {"description": {"required": False}, "notes": {"required": False}}

    def get_validators(self):
        return []

    def get_fields(self):
        fields = super().get_fields()
        if "salesOrderLines" in (self.context.get("expand") or []) and self._is_top():
            fields["salesOrderLines"] = SalesOrderLineSerializer(
                source="lines", many=True, read_only=True
            )
        if self.context.get("writing_lines"):
            fields["salesOrderLines"] = SalesOrderLineSerializer(many=True, required=False)
        return fields

    def get_fullyShipped(self, order) -> bool:  # noqa: N802
        state = getattr(order, "delivery_state", None) or order.DeliveryState.NOT_SHIPPED
        return state == order.DeliveryState.SHIPPED

    def _invoicing_state(self, order) -> str:
        state = getattr(order, "invoicing_state", None)
        if state is None:  # a record read without the list's annotation
            state = (
                SalesOrder.objects.with_invoicing_state()
                .values_list("invoicing_state", flat=True)
                .get(pk=order.pk)
            )
        return state

    def get_fullyInvoiced(self, order) -> bool:  # noqa: N802
        return self._invoicing_state(order) == InvoicingState.INVOICED

    def get_invoicingStatus(self, order) -> str:  # noqa: N802
        return INVOICING_TO_API[self._invoicing_state(order)]

    def to_internal_value(self, data):
        """The customer by customerId or by customerNumber (its code)."""
        number = data.get("customerNumber") if isinstance(data, Mapping) else None
        if number is not None:
            data = {key: value for key, value in data.items() if key != "customerNumber"}
        attrs = super().to_internal_value(data)
        if number is not None:
            customer = Customer.objects.filter(code=str(number)).first()
            if customer is None:
                raise serializers.ValidationError(
                    {"customerNumber": [f"No customer has number {number}."]}
                )
            if attrs.get("customer") not in (None, customer):
                raise serializers.ValidationError(
                    {"customerNumber": ["customerId and customerNumber name different customers."]}
                )
            attrs["customer"] = customer
        return attrs

    def validate(self, attrs):
        if self.instance is None and "customer" not in attrs:
            raise serializers.ValidationError(
                {"customerId": "Name the customer by customerId or customerNumber."}
            )
        return attrs
