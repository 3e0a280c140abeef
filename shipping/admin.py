"""Back office for shipments and allocations. Every change that has a rule goes through
shipping.services; allocations are read-only here."""

from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, RefusedEditMixin, refuse_edit_on_error, run_each
from core.forms import MULTILINE_OVERRIDES
from salesorders.admin import SalesOrderAdmin
from salesorders.models import SalesOrder
from shipping import services
from shipping.models import Allocation, Shipment


class AllocationInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What the shipment holds (pending) or held (shipped). Change it on the order page."""

    model = Allocation
    extra = 0
    fields = ["line", "stock_item", "quantity", "created_at", "created_by"]
    readonly_fields = fields
    raw_id_fields = ["line", "stock_item"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("line", "stock_item__part", "stock_item__location", "created_by")
        )


def _run(modeladmin, request, queryset, action, verb):
    run_each(
        modeladmin,
        request,
        queryset.select_related("order"),
        lambda shipment: action(shipment=shipment, user=request.user),
        verb,
    )


@admin.action(description="Complete selected shipments", permissions=["complete"])
def complete_shipments(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.shipment_complete, "shipped")


@admin.action(description="Mark selected shipments delivered today", permissions=["change"])
def mark_delivered(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.shipment_mark_delivered, "marked delivered")


@admin.action(
    description="Delete selected pending shipments (releases their stock)",
    permissions=["delete"],
)
def delete_pending_shipments(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.shipment_delete, "deleted")


class ShipmentAdminForm(forms.ModelForm):
    """Checks up front what shipment_create would refuse, so the admin shows it on the form."""

    class Meta:
        model = Shipment
        fields = ["order", "reference", "carrier", "tracking_number", "address", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reference" in self.fields and self.instance.pk is None:
            self.fields["reference"].required = False

    def clean(self):
        data = super().clean()
        order = data.get("order")
        if self.instance.pk is None and order and order.status != SalesOrder.Status.ISSUED:
            raise forms.ValidationError(
                f"{order} is {order.get_status_display()}: shipments can be created only on an "
                "issued order."
            )
        return data

    def validate_unique(self):
        """The service checks the reference (it may still be blank here)."""


@admin.register(Shipment)
class ShipmentAdmin(RefusedEditMixin, admin.ModelAdmin):
    form = ShipmentAdminForm
    formfield_overrides = MULTILINE_OVERRIDES
    list_display = [
        "__str__",
        "order",
        "status",
        "carrier",
        "tracking_number",
        "shipped_date",
        "delivery_date",
    ]
    list_filter = ["status", "carrier", "shipped_date"]
    search_fields = ["reference", "order__reference", "order__customer_name", "tracking_number"]
    list_select_related = ["order"]
    date_hierarchy = "shipped_date"
    raw_id_fields = ["order"]
    inlines = [AllocationInline]
    actions = [complete_shipments, mark_delivered, delete_pending_shipments]
    fields = [
        "order",
        "reference",
        "status",
        "carrier",
        "tracking_number",
        "address",
        "notes",
        "shipped_date",
        "shipped_at",
        "shipped_by",
        "delivery_date",
        "created_at",
        "created_by",
    ]
    ALWAYS_READ_ONLY = [
        "status",
        "shipped_date",
        "shipped_at",
        "shipped_by",
        "delivery_date",
        "created_at",
        "created_by",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.ALWAYS_READ_ONLY
        if not obj.is_pending:
            # History: only carrier, tracking number and notes may still be corrected.
            return [f for f in self.fields if f not in services.EDITABLE_WHEN_SHIPPED]
        return ["order", *self.ALWAYS_READ_ONLY]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would skip releasing the counters
        return actions

    def has_complete_permission(self, request):
        return request.user.has_perm("shipping.complete_shipment")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_pending:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Adds go through shipment_create, changes through shipment_update. A refusal
        (e.g. a reference taken meanwhile) raises EditRefused; RefusedEditMixin says "Not saved"."""
        with refuse_edit_on_error():
            if not change:
                created = services.shipment_create(
                    order=obj.order,
                    user=request.user,
                    reference=obj.reference,
                    carrier=obj.carrier,
                    address=obj.address or None,
                    notes=obj.notes,
                )
                obj.pk = created.pk
                obj.refresh_from_db()
                return
            data = {name: getattr(obj, name) for name in form.changed_data}
            services.shipment_update(shipment=obj, user=request.user, **data)

    def delete_model(self, request, obj):
        services.shipment_delete(shipment=obj, user=request.user)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: allocations are made and released through the services."""

    list_display = ["__str__", "shipment", "line", "stock_item", "quantity", "created_at"]
    list_filter = ["shipment__status"]
    search_fields = ["shipment__order__reference", "line__part_sku"]
    list_select_related = ["shipment__order", "line", "stock_item__part", "stock_item__location"]
    actions = ["release"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("shipping.delete_allocation"):
            actions.pop("release", None)
        return actions

    @admin.action(description="Release selected allocations (pending shipments only)")
    def release(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda allocation: services.allocation_delete(allocation=allocation, user=request.user),
            "released",
        )


# The order admin's Cancel Order must release the stock of the order's pending shipments and
# delete them, which is shipping's to do: the order admin runs every lifecycle action through
# `run_transition`, and this subclass sends "cancel" to shipping's salesorder_cancel.
admin.site.unregister(SalesOrder)


@admin.register(SalesOrder)
class ShippingSalesOrderAdmin(SalesOrderAdmin):
    def run_transition(self, request, order, action, reason):
        if action == "cancel":
            return services.salesorder_cancel(order=order, user=request.user, reason=reason or "")
        return super().run_transition(request, order, action, reason)
