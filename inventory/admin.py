from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from inventory import services
from inventory.models import Part, PriceBreak, StockItem, StockLocation, StockMovement, TaxRate


class EditRefused(Exception):
    """A service refused the admin's save; carries the reason."""


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["name", "percent", "active"]
    list_filter = ["active"]
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
    list_display = ["sku", "name", "unit", "list_price", "default_tax_rate", "salable", "active"]
    list_filter = ["salable", "active", "unit", "default_tax_rate"]
    list_select_related = ["default_tax_rate"]
    search_fields = ["sku", "name", "description"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PriceBreakInline]


@admin.register(PriceBreak)
class PriceBreakAdmin(admin.ModelAdmin):
    list_display = ["part", "min_quantity", "unit_price"]
    list_select_related = ["part"]
    search_fields = ["part__sku", "part__name"]
    autocomplete_fields = ["part"]


class StockMovementInline(admin.TabularInline):
    model = StockMovement
    extra = 0
    can_delete = False
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

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
class StockItemAdmin(admin.ModelAdmin):
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
        try:
            services.stock_update_details(item=obj, user=request.user, **details)
            if new_quantity is not None and new_quantity != obj.quantity:
                services.stock_adjust(
                    item=obj,
                    new_quantity=new_quantity,
                    reason=form.cleaned_data["adjust_reason"],
                    user=request.user,
                )
        except ValidationError as error:
            raise EditRefused(" ".join(error.messages)) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A refused edit leaves the transaction, so nothing of it lands (details, log entry),
        and comes back to the form with the reason instead of "changed successfully"."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditRefused as refused:
            self.message_user(request, f"Not saved: {refused}", messages.ERROR)
            return HttpResponseRedirect(request.path)

    def _set_status(self, request, queryset, status):
        changed = 0
        for item in queryset.order_by("pk"):
            try:
                services.stock_set_status(
                    item=item, status=status, user=request.user, reason="Admin action"
                )
            except ValidationError as error:
                self.message_user(request, f"{item}: {error}", messages.WARNING)
            else:
                changed += 1
        self.message_user(request, f"{changed} stock item(s) marked {status.label}.")

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
class StockMovementAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
