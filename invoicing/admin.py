"""Back office for invoices and payments. Invoices are made from orders (the order page);
here they are read, their drafts' notes edited, and posted, voided or deleted through
invoicing.services. A posted invoice is read-only, as are its lines and payments."""

from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin, RefusedEditMixin, refuse_edit_on_error, run_each
from invoicing import services
from invoicing.models import Invoice, InvoiceLine, InvoiceSettings, InvoiceSync, Payment


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = [
        "description",
        "sku",
        "quantity",
        "unit",
        "unit_price",
        "discount_percent",
        "tax_name",
        "tax_percent",
        "revenue_account",
        "subtotal",
        "order_discount",
        "tax_amount",
        "total",
    ]
    readonly_fields = fields


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["payment_date", "amount", "method", "reference", "reversed_at", "created_by"]
    readonly_fields = fields


@admin.action(description="Post selected draft invoices", permissions=["post"])
def post_invoices(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset,
        lambda invoice: services.invoice_post(invoice=invoice, user=request.user),
        "posted",
    )


@admin.action(description="Void selected invoices (with a credit note)", permissions=["void"])
def void_invoices(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset,
        lambda invoice: services.invoice_void(
            invoice=invoice, reason="Voided in the admin.", user=request.user
        ),
        "voided",
    )


@admin.action(description="Delete selected draft invoices", permissions=["delete"])
def delete_drafts(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset,
        lambda invoice: services.invoice_delete(invoice=invoice, user=request.user),
        "deleted",
    )


@admin.register(Invoice)
class InvoiceAdmin(RefusedEditMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "status",
        "customer_name",
        "order",
        "invoice_date",
        "due_date",
        "total",
        "currency",
        "base_total",
        "amount_paid",
    ]
    list_filter = ["kind", "status", "invoice_date"]
    search_fields = ["number", "customer_name", "order__reference"]
    list_select_related = ["order"]
    date_hierarchy = "invoice_date"
    actions = [post_invoices, void_invoices, delete_drafts]
    inlines = [InvoiceLineInline, PaymentInline]
    raw_id_fields = ["order", "customer"]

    def get_readonly_fields(self, request, obj=None):
        editable = {"notes", "invoice_date"} if obj is not None and obj.is_draft else set()
        names = [f.name for f in Invoice._meta.fields]
        return [name for name in names if name not in editable]

    def has_add_permission(self, request):
        return False  # invoices are made from orders: Create Invoice on the order page

    def has_delete_permission(self, request, obj=None):
        # Only drafts, through the action (which returns their quantities).
        return False

    def has_post_permission(self, request):
        return request.user.has_perm("invoicing.post_invoice")

    def has_void_permission(self, request):
        return request.user.has_perm("invoicing.void_invoice")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm("invoicing.delete_invoice"):
            return actions
        actions.pop("delete_drafts", None)
        return actions

    def save_model(self, request, obj, form, change):
        with refuse_edit_on_error():
            services.invoice_update(
                invoice=obj,
                invoice_date=form.cleaned_data.get("invoice_date"),
                notes=form.cleaned_data.get("notes"),
                user=request.user,
            )


@admin.action(description="Reverse selected payments", permissions=["reverse"])
def reverse_payments(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset,
        lambda payment: services.payment_reverse(
            payment=payment, reason="Reversed in the admin.", user=request.user
        ),
        "reversed",
    )


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "payment_date", "amount", "method", "reference", "reversed_at"]
    list_filter = ["method", "payment_date"]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice"]
    actions = [reverse_payments]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False  # Record Payment on the invoice page

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_reverse_permission(self, request):
        return request.user.has_perm("invoicing.reverse_payment")


@admin.register(InvoiceSettings)
class InvoiceSettingsAdmin(admin.ModelAdmin):
    fields = ["invoice_pattern", "credit_note_pattern", "policy", "payment_details"]

    def has_add_permission(self, request):
        return not InvoiceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        messages.info(request, "New numbers follow the patterns from the next posted invoice.")


@admin.register(InvoiceSync)
class InvoiceSyncAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pushes to the accounting provider (written by invoicing.sync; Retry: the Sync page)."""

    list_display = ["invoice", "action", "provider", "status", "external_number", "attempts"]
    list_filter = ["status", "action", "provider"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "external_id", "external_number", "idempotency_key"]
