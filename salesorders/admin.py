"""Back-office editing of orders. Status and money are read-only; transitions are admin
actions that call the same services as the pages; Complete and Cancelled orders are
read-only here too."""

from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, RefusedEditMixin, refuse_edit_on_error, run_each
from core.forms import MULTILINE_OVERRIDES
from salesorders import services
from salesorders.models import (
    PartRevenueAccount,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderLineDimension,
    SalesOrderSettings,
)

LINE_COMPUTED = (
    "part_name",
    "part_sku",
    "unit",
    "list_unit_price",
    "unit_price",
    "price_source_label",
    "tax_name",
    "tax_percent",
    "revenue_account",
    "shipped_quantity",
    "cancelled_quantity",
    "allocated_quantity",
    "subtotal",
    "tax_amount",
    "total",
)


class SalesOrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Lines are shown here, read-only for every order; the order page (services) adds and
    prices them."""

    model = SalesOrderLine
    extra = 0
    fields = ("part", "quantity", *LINE_COMPUTED)
    readonly_fields = ("part", "quantity", *LINE_COMPUTED)
    show_change_link = False


class SalesOrderExtraLineInline(SalesOrderLineInline):
    model = SalesOrderExtraLine
    fields = (
        "description",
        "quantity",
        "unit_price",
        "tax_name",
        "subtotal",
        "tax_amount",
        "total",
    )
    readonly_fields = fields


class SalesOrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SalesOrderEvent
    extra = 0
    fields = ("created_at", "user", "kind", "message")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")


def transition_action(action: str):
    """The admin action of the lifecycle table's entry `action` ("<action>_orders"): its label,
    its permission, and SalesOrderAdmin.run_transition on each selected order, in pk order.
    An action that asks for a reason gets "<Verb> in the admin."."""
    transition = SalesOrder.TRANSITIONS[action]
    reason = f"{transition.verb.capitalize()} in the admin." if transition.asks_reason else ""
    description = transition.label
    if transition.reason_required:
        description += f" (reason: {reason.rstrip('.').lower()})"
    # "salesorders.complete_salesorder" -> the admin's has_complete_permission().
    permission = transition.permission.split(".")[1].split("_")[0]

    @admin.action(description=description, permissions=[permission])
    def run(modeladmin, request, queryset):
        run_each(
            modeladmin,
            request,
            queryset,
            lambda order: modeladmin.run_transition(request, order, action, reason),
            transition.verb,
            noun="order",
        )

    run.__name__ = f"{action}_orders"
    return run


class SalesOrderAdminForm(forms.ModelForm):
    """Carries the version the order had when the form was opened, like the order pages: a
    save after someone else's change is refused instead of silently reverting it."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("seen_version", self.instance.version)
            self.fields["seen_version"].required = True


# Frozen or computed by the services: the rate, the tax snapshot and the stored totals.
MONEY_READ_ONLY = (
    "currency_rate",
    "currency_rate_source",
    "currency_rate_date",
    "tax_treatment",
    "tax_country",
    "customer_tax_number",
    "lines_subtotal",
    "extras_subtotal",
    "discount_total",
    "base_subtotal",
    "base_tax_total",
    "base_total",
)


@admin.register(SalesOrder)
class SalesOrderAdmin(RefusedEditMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "customer_name",
        "customer_reference",
        "status",
        "order_date",
        "target_date",
        "line_count",
        "total",
        "currency",
    )
    list_filter = ("status", "order_date", "target_date", "currency")
    search_fields = ("reference", "customer_name", "customer_reference")
    date_hierarchy = "order_date"
    list_select_related = ("customer",)
    autocomplete_fields = ()
    raw_id_fields = ("customer", "contact", "salesperson")
    form = SalesOrderAdminForm
    # Addresses and notes keep LF line ends: an unchanged textarea is not a change.
    formfield_overrides = MULTILINE_OVERRIDES
    inlines = (SalesOrderLineInline, SalesOrderExtraLineInline, SalesOrderEventInline)
    # Approve / Reject decide one step of a round: on the order page and the Approvals page.
    actions = tuple(
        transition_action(action)
        for action, transition in SalesOrder.TRANSITIONS.items()
        if not transition.decision
    )
    readonly_fields = (
        "reference",
        "status",
        "hold_reason",
        "customer_name",
        "version",
        "subtotal",
        "tax_total",
        "total",
        *MONEY_READ_ONLY,
        "line_count",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "issued_at",
        "issued_by",
        "completed_at",
        "completed_by",
        "cancelled_at",
        "cancelled_by",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "status",
                    "hold_reason",
                    "customer",
                    "customer_name",
                    "seen_version",
                )
            },
        ),
        (
            "Order",
            {
                "fields": (
                    "customer_reference",
                    "description",
                    "order_date",
                    "target_date",
                    "requested_delivery_date",
                    "currency",
                    "contact",
                    "salesperson",
                    "priority",
                    "payment_terms_kind",
                    "payment_terms_days",
                    "prices_include_tax",
                    "discount_percent",
                    "discount_amount",
                    "notes",
                )
            },
        ),
        ("Addresses", {"fields": ("ship_to", "bill_to")}),
        (
            "Totals",
            {
                "fields": (
                    "subtotal",
                    "tax_total",
                    "total",
                    *MONEY_READ_ONLY,
                    "line_count",
                    "version",
                )
            },
        ),
        (
            "Audit",
            {
                "classes": ("collapse",),
                "fields": (
                    ("created_at", "created_by"),
                    ("updated_at", "updated_by"),
                    ("issued_at", "issued_by"),
                    ("completed_at", "completed_by"),
                    ("cancelled_at", "cancelled_by"),
                ),
            },
        ),
    )

    def has_add_permission(self, request):
        # New orders need a number and snapshots: the New Sales Order page does that.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_read_only:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # orders are cancelled, not deleted

    def has_complete_permission(self, request):
        return request.user.has_perm("salesorders.complete_salesorder")

    def has_cancel_permission(self, request):
        return request.user.has_perm("salesorders.cancel_salesorder")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_pending():
            fields += ["customer", "currency", "prices_include_tax"]
        return fields

    def run_transition(self, request, order: SalesOrder, action: str, reason: str) -> None:
        """Run one lifecycle action on one order, as the selected-orders action does; raises
        the service's ValidationError. Shipping's admin overrides it for Cancel Order."""
        services.salesorder_transition(order=order, action=action, user=request.user, reason=reason)

    def log_change(self, request, obj, message):
        """A save that changed nothing leaves no entry in the admin's log either (the order's
        history and version are untouched too: salesorder_update skips equal values)."""
        if not message:
            return None
        return super().log_change(request, obj, message)

    def save_model(self, request, obj, form, change):
        """Header edits go through salesorder_update (version bump, history, rules): only the
        fields the form reports as changed, so a save without changes writes nothing."""
        changes = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.HEADER_FIELDS
        }
        with refuse_edit_on_error():
            services.salesorder_update(
                order=obj,
                user=request.user,
                expected_version=form.cleaned_data.get("seen_version"),
                **changes,
            )


class SalesOrderLineDimensionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SalesOrderLineDimension
    extra = 0
    fields = ("dimension", "value")
    readonly_fields = fields


@admin.register(SalesOrderLine)
class SalesOrderLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "order",
        "part_sku",
        "part_name",
        "quantity",
        "unit_price",
        "total",
        "revenue_account",
    )
    search_fields = ("order__reference", "part_sku", "part_name")
    list_select_related = ("order", "revenue_account")
    readonly_fields = ("order", "part", "quantity", "discount_percent", *LINE_COMPUTED)
    exclude = ("dimension_values",)
    inlines = (SalesOrderLineDimensionInline,)


@admin.register(PartRevenueAccount)
class PartRevenueAccountAdmin(admin.ModelAdmin):
    """The revenue account each part's new order lines book to (lines keep theirs)."""

    list_display = ("part", "account")
    list_select_related = ("part", "account")
    search_fields = ("part__sku", "part__name", "account__code")
    raw_id_fields = ("part",)


@admin.register(SalesOrderExtraLine)
class SalesOrderExtraLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only list of charges and rebates; the order page (services) edits them."""

    list_display = ("order", "description", "quantity", "unit_price", "tax_name", "total")
    search_fields = ("order__reference", "description")
    list_select_related = ("order",)
    readonly_fields = SalesOrderExtraLineInline.fields


@admin.register(SalesOrderEvent)
class SalesOrderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "order", "kind", "user", "message")
    list_filter = ("kind",)
    search_fields = ("order__reference", "message")
    list_select_related = ("order", "user")


@admin.register(SalesOrderSettings)
class SalesOrderSettingsAdmin(RefusedEditMixin, admin.ModelAdmin):
    list_display = ("__str__", "reference_pattern", "last_reference_number")
    # The credit policy is Credit Control's, on its own page (salesorders:credit-settings).
    readonly_fields = ("last_reference_number", "credit_policy")

    def save_model(self, request, obj, form, change):
        """Through settings_update, which checks the pattern under the settings row's lock (a
        new order takes its number under the same lock); a refusal says "Not saved"."""
        with refuse_edit_on_error():
            saved = services.settings_update(
                reference_pattern=obj.reference_pattern,
                default_revenue_account=obj.default_revenue_account,
                user=request.user,
            )
        obj.pk = saved.pk
        obj.last_reference_number = saved.last_reference_number

    def has_add_permission(self, request):
        return not SalesOrderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
