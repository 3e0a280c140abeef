"""Back-office view of quotes. Status, numbers and money are read-only; header edits and the
actions (Mark Sent, Decline, Make Order) go through the same services as the pages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.admin import ReadOnlyAdminMixin, run_each
from core.forms import MULTILINE_OVERRIDES
from quotes import services
from quotes.models import QuoteSettings, SalesQuote, SalesQuoteLine


class SalesQuoteLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SalesQuoteLine
    extra = 0
    fields = (
        "part_sku",
        "part_name",
        "quantity",
        "unit_price",
        "discount_percent",
        "tax_name",
        "subtotal",
        "total",
    )
    readonly_fields = fields


def quote_admin_action(action: str):
    """The admin action of SalesQuote.ACTIONS[action], run on each selected quote through
    quotes.services.quote_action."""
    entry = SalesQuote.ACTIONS[action]

    @admin.action(description=entry.label, permissions=["change"])
    def run(modeladmin, request, queryset):
        run_each(
            modeladmin,
            request,
            queryset,
            lambda quote: services.quote_action(quote=quote, action=action, user=request.user),
            entry.verb,
            noun="quote",
        )

    run.__name__ = f"{action}_quotes"
    return run


@admin.register(SalesQuote)
class SalesQuoteAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "customer_name",
        "status",
        "quote_date",
        "valid_until",
        "line_count",
        "total",
        "currency",
        "order",
    )
    list_filter = ("status", "quote_date", "valid_until")
    search_fields = ("number", "customer_name", "customer_reference")
    list_select_related = ("order",)
    formfield_overrides = MULTILINE_OVERRIDES
    inlines = (SalesQuoteLineInline,)
    actions = tuple(quote_admin_action(action) for action in SalesQuote.ACTIONS)
    fields = (
        "number",
        "status",
        "customer",
        "customer_name",
        *services.HEADER_FIELDS,
        "currency",
        "subtotal",
        "tax_total",
        "total",
        "order",
        "version",
        "created_at",
        "created_by",
        "sent_at",
        "decided_at",
    )
    readonly_fields = (
        "number",
        "status",
        "customer",
        "customer_name",
        "currency",
        "subtotal",
        "tax_total",
        "total",
        "order",
        "version",
        "created_at",
        "created_by",
        "sent_at",
        "decided_at",
    )

    def has_add_permission(self, request):
        return False  # New Quote on the quote pages: numbering and pricing are the services'

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """Accepted and declined quotes are read-only here too (the actions still run)."""
        if obj is not None and not obj.can_edit():
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.quote_update(
                quote=obj, user=request.user, expected_version=obj.version, **changes
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)


@admin.register(QuoteSettings)
class QuoteSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "number_pattern", "validity_days")
    readonly_fields = ("last_number",)

    def has_delete_permission(self, request, obj=None):
        return False
