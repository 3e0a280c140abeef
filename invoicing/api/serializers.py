"""Invoices (Business Central's `salesInvoices` shape where it has one) with their lines,
and payments. Money and quantities are decimal strings, never floats. Writes are the
services' (bound actions, Record Payment, a draft's edits)."""

from decimal import Decimal

from rest_framework import serializers

from core.api.serializers import ApiModelSerializer, ApiSerializer
from core.numbers import MONEY, QUANTITY, UNIT_PRICE
from inventory.models import TaxRate
from invoicing.models import Invoice, InvoiceLine, Payment


def money_field(source: str):
    return serializers.DecimalField(source=source, **MONEY, read_only=True)


class InvoiceLineSerializer(ApiModelSerializer):
    documentId = serializers.PrimaryKeyRelatedField(source="invoice", read_only=True)  # noqa: N815
    sequence = serializers.IntegerField(source="sort_order", read_only=True)
    salesOrderLineId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="order_line", read_only=True
    )
    lineObjectNumber = serializers.CharField(source="sku", read_only=True)  # noqa: N815
    description = serializers.CharField(read_only=True)
    unitOfMeasureCode = serializers.CharField(source="unit", read_only=True)  # noqa: N815
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    unitPrice = serializers.DecimalField(source="unit_price", **UNIT_PRICE, read_only=True)  # noqa: N815
    discountPercent = serializers.DecimalField(  # noqa: N815
        source="discount_percent", max_digits=5, decimal_places=2, read_only=True
    )
    taxCode = serializers.CharField(source="tax_name", read_only=True)  # noqa: N815
    taxPercent = serializers.DecimalField(  # noqa: N815
        source="tax_percent", max_digits=6, decimal_places=3, read_only=True
    )
    revenueAccountId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="revenue_account", read_only=True
    )
    amountExcludingTax = money_field("subtotal")  # noqa: N815
    invoiceDiscountAllocation = money_field("order_discount")  # noqa: N815
    totalTaxAmount = money_field("tax_amount")  # noqa: N815
    amountIncludingTax = money_field("total")  # noqa: N815

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "documentId",
            "sequence",
            "salesOrderLineId",
            "lineObjectNumber",
            "description",
            "unitOfMeasureCode",
            "quantity",
            "unitPrice",
            "discountPercent",
            "taxCode",
            "taxPercent",
            "revenueAccountId",
            "amountExcludingTax",
            "invoiceDiscountAllocation",
            "totalTaxAmount",
            "amountIncludingTax",
        ]

    def etag_version(self, instance):
        return instance.invoice.version


class InvoiceSerializer(ApiModelSerializer):
    number = serializers.CharField(read_only=True)
    kind = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(source="get_status_display", read_only=True)
    invoiceDate = serializers.DateField(source="invoice_date", read_only=True)  # noqa: N815
    dueDate = serializers.DateField(source="due_date", read_only=True)  # noqa: N815
    customerId = serializers.PrimaryKeyRelatedField(source="customer", read_only=True)  # noqa: N815
    customerName = serializers.CharField(source="customer_name", read_only=True)  # noqa: N815
    salesOrderId = serializers.PrimaryKeyRelatedField(source="order", read_only=True)  # noqa: N815
    orderNumber = serializers.CharField(source="order.reference", read_only=True)  # noqa: N815
    creditedInvoiceId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="credited_invoice", read_only=True
    )
    billToAddress = serializers.CharField(source="bill_to", read_only=True)  # noqa: N815
    customerVatNumber = serializers.CharField(source="customer_tax_number", read_only=True)  # noqa: N815
    currencyCode = serializers.CharField(source="currency", read_only=True)  # noqa: N815
    exchangeRate = serializers.DecimalField(  # noqa: N815
        source="currency_rate", max_digits=22, decimal_places=12, read_only=True
    )
    totalAmountExcludingTax = money_field("subtotal")  # noqa: N815
    discountAmount = money_field("discount_total")  # noqa: N815
    totalTaxAmount = money_field("tax_total")  # noqa: N815
    totalAmountIncludingTax = money_field("total")  # noqa: N815
    totalAmountIncludingTaxBase = money_field("base_total")  # noqa: N815
    amountPaid = money_field("amount_paid")  # noqa: N815
    remainingAmount = serializers.DecimalField(  # noqa: N815
        source="balance", **MONEY, read_only=True
    )
    postedDateTime = serializers.DateTimeField(source="posted_at", read_only=True)  # noqa: N815
    notes = serializers.CharField(read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "invoiceDate",
            "dueDate",
            "customerId",
            "customerName",
            "salesOrderId",
            "orderNumber",
            "creditedInvoiceId",
            "billToAddress",
            "customerVatNumber",
            "currencyCode",
            "exchangeRate",
            "totalAmountExcludingTax",
            "discountAmount",
            "totalTaxAmount",
            "totalAmountIncludingTax",
            "totalAmountIncludingTaxBase",
            "amountPaid",
            "remainingAmount",
            "postedDateTime",
            "notes",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if "invoiceLines" in (self.context.get("expand") or []) and self._is_top():
            fields["invoiceLines"] = InvoiceLineSerializer(
                source="lines", many=True, read_only=True
            )
        return fields


class PaymentSerializer(ApiModelSerializer):
    invoiceId = serializers.PrimaryKeyRelatedField(source="invoice", read_only=True)  # noqa: N815
    invoiceNumber = serializers.CharField(source="invoice.number", read_only=True)  # noqa: N815
    paymentDate = serializers.DateField(source="payment_date", read_only=True)  # noqa: N815
    amount = serializers.DecimalField(**MONEY, read_only=True)
    amountBase = money_field("base_amount")  # noqa: N815
    method = serializers.CharField(source="get_method_display", read_only=True)
    reference = serializers.CharField(read_only=True)
    reversed = serializers.BooleanField(source="is_reversed", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoiceId",
            "invoiceNumber",
            "paymentDate",
            "amount",
            "amountBase",
            "method",
            "reference",
            "reversed",
        ]

    def etag_version(self, instance):
        return instance.invoice.version


PAYMENT_METHOD_FROM_API = {str(label): value for value, label in Payment.Method.choices}


class PaymentCreateSerializer(ApiSerializer):
    """The body of Record Payment (invoices({id})/payments): the page's form's fields.
    `method` is a name the payments' `method` shows (default Bank transfer)."""

    amount = serializers.DecimalField(**MONEY)
    paymentDate = serializers.DateField(source="payment_date", required=False)  # noqa: N815
    method = serializers.ChoiceField(choices=list(PAYMENT_METHOD_FROM_API), required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_method(self, value: str) -> str:
        return PAYMENT_METHOD_FROM_API[value]


class InvoiceUpdateSerializer(ApiSerializer):
    """The body of PATCH invoices({id}) (a draft): the edit page's fields. The due date
    follows the payment terms and the rate the new date."""

    invoiceDate = serializers.DateField(source="invoice_date", required=False)  # noqa: N815
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class InvoiceLineCreateSerializer(ApiSerializer):
    """The body of POST invoices({id})/invoiceLines: a free line (a charge, or a rebate at a
    negative price) on a draft, as the page's Add Line form."""

    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(**QUANTITY, required=False, default=Decimal("1"))
    unitPrice = serializers.DecimalField(source="unit_price", **UNIT_PRICE)  # noqa: N815
    taxRateId = serializers.PrimaryKeyRelatedField(  # noqa: N815
        source="tax_rate",
        queryset=TaxRate.objects.filter(active=True),
        required=False,
        allow_null=True,
    )


class InvoiceLineUpdateSerializer(ApiSerializer):
    """The body of PATCH invoices({id})/invoiceLines({id}): a draft line's quantity, unit
    price, discount or (a free line's) description."""

    quantity = serializers.DecimalField(**QUANTITY, required=False)
    unitPrice = serializers.DecimalField(source="unit_price", **UNIT_PRICE, required=False)  # noqa: N815
    discountPercent = serializers.DecimalField(  # noqa: N815
        source="discount_percent",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
    )
    description = serializers.CharField(max_length=200, required=False)
