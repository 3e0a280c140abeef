from decimal import Decimal

from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, RefusedEditMixin, refuse_edit_on_error, run_each
from core.forms import MULTILINE_OVERRIDES
from inventory import services
from inventory.models import (
    Part,
    PriceBreak,
    PriceList,
    PriceListPrice,
    StockItem,
    StockLocation,
    StockMovement,
    TaxRate,
)


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["name", "percent", "standard", "active"]
    list_filter = ["active", "standard"]
    search_fields = ["name"]


@admin.register(StockLocation)
class StockLocationAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "description"]
    list_select_related = ["parent"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["parent"]


class PriceBreakInline(admin.TabularInline):
    model = PriceBreak
    extra = 1


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    formfield_overrides = MULTILINE_OVERRIDES
    list_display = [
        "sku",
        "name",
        "kind",
        "unit",
        "list_price",
        "default_tax_rate",
        "salable",
        "active",
    ]
    list_filter = ["kind", "salable", "active", "unit", "default_tax_rate"]
    list_select_related = ["default_tax_rate"]
    search_fields = ["sku", "name", "description"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PriceBreakInline]


class PriceListPriceInline(admin.TabularInline):
    model = PriceListPrice
    extra = 1
    autocomplete_fields = ["part"]


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    """Prices per currency (and per customer), each with its own price breaks."""

    list_display = ["name", "currency", "customer", "active"]
    list_filter = ["active", "currency"]
    list_select_related = ["customer"]
    search_fields = ["name", "currency", "customer__name", "customer__code"]
    autocomplete_fields = ["customer"]
    inlines = [PriceListPriceInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # "gbp" is GBP; the model's validator refuses a code that is not ISO 4217.
        form.base_fields["currency"].widget.attrs["maxlength"] = 3
        return form


@admin.register(PriceBreak)
class PriceBreakAdmin(admin.ModelAdmin):
    list_display = ["part", "min_quantity", "unit_price"]
    list_select_related = ["part"]
    search_fields = ["part__sku", "part__name"]
    autocomplete_fields = ["part"]


class StockMovementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StockMovement
    extra = 0
    fields = [
        "created_at",
        "kind",
        "quantity_delta",
        "quantity_after",
        "from_location",
        "to_location",
        "reference",
        "reason",
        "user",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]


class StockItemAdminForm(forms.ModelForm):
    """Quantity and status change only through the stock services, which write the ledger."""

    adjust_to = forms.DecimalField(
        label="Adjust quantity to",
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=4,
        help_text="Leave blank to keep the quantity. Writes an adjustment movement.",
    )
    adjust_reason = forms.CharField(label="Reason for the adjustment", required=False)

    class Meta:
        model = StockItem
        fields = ["batch_code", "expiry_date", "received_date"]

    def clean(self):
        data = super().clean()
        if data.get("adjust_to") is not None and not (data.get("adjust_reason") or "").strip():
            self.add_error("adjust_reason", "Say why the quantity changes.")
        return data


@admin.register(StockItem)
class StockItemAdmin(RefusedEditMixin, admin.ModelAdmin):
    form = StockItemAdminForm
    list_display = [
        "pk",
        "part",
        "location",
        "quantity",
        "allocated_quantity",
        "status",
        "batch_code",
        "serial_number",
        "expiry_date",
        "received_date",
    ]
    list_filter = ["status", "location", "received_date"]
    list_select_related = ["part", "location"]
    search_fields = ["part__sku", "part__name", "batch_code", "serial_number"]
    readonly_fields = [
        "part",
        "location",
        "quantity",
        "allocated_quantity",
        "status",
        "serial_number",
        "created_at",
        "updated_at",
    ]
    fields = [
        "part",
        "location",
        "quantity",
        "allocated_quantity",
        "status",
        "serial_number",
        "batch_code",
        "expiry_date",
        "received_date",
        "adjust_to",
        "adjust_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [StockMovementInline]
    actions = ["mark_ok", "mark_damaged", "mark_quarantined"]

    def has_add_permission(self, request):
        # New stock is booked in with Receive Stock, which writes the "received" movement.
        return False

    def save_model(self, request, obj, form, change):
        """Writes only the descriptive fields, on the locked row (quantity, allocation and
        status belong to the stock services); a refused adjustment undoes the whole save."""
        details = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.DETAIL_FIELDS
        }
        new_quantity = form.cleaned_data.get("adjust_to")
        with refuse_edit_on_error():
            services.stock_update_details(item=obj, user=request.user, **details)
            if new_quantity is not None and new_quantity != obj.quantity:
                services.stock_adjust(
                    item=obj,
                    new_quantity=new_quantity,
                    reason=form.cleaned_data["adjust_reason"],
                    user=request.user,
                )

    def _set_status(self, request, queryset, status):
        def set_status(item):
            services.stock_set_status(
                item=item, status=status, user=request.user, reason="Admin action"
            )

        run_each(self, request, queryset, set_status, f"marked {status.label}")

    @admin.action(description="Mark selected stock OK", permissions=["change"])
    def mark_ok(self, request, queryset):
        self._set_status(request, queryset, StockItem.Status.OK)

    @admin.action(description="Mark selected stock Damaged", permissions=["change"])
    def mark_damaged(self, request, queryset):
        self._set_status(request, queryset, StockItem.Status.DAMAGED)

    @admin.action(description="Mark selected stock Quarantined", permissions=["change"])
    def mark_quarantined(self, request, queryset):
        self._set_status(request, queryset, StockItem.Status.QUARANTINED)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger is append-only: readable here, written only by the stock services."""

    list_display = [
        "created_at",
        "stock_item",
        "kind",
        "quantity_delta",
        "quantity_after",
        "reference",
        "user",
    ]
    list_filter = ["kind", "created_at"]
    list_select_related = ["stock_item__part", "stock_item__location", "user"]
    search_fields = ["part__sku", "reference", "reason"]
    date_hierarchy = "created_at"
