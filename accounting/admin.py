from django.contrib import admin
from django.shortcuts import redirect

from accounting import services
from accounting.exceptions import AccountingError
from accounting.models import (
    PERIOD_TRANSITIONS,
    Account,
    AccountingPeriod,
    AccountingPeriodEvent,
    Dimension,
    DimensionValue,
    ExchangeRate,
    ProviderRateWindow,
    ProviderToken,
    TaxRule,
)
from core.admin import ReadOnlyAdminMixin, RefusedEditMixin, refuse_edit_on_error, run_each


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Manual entry of rates; the ECB's come from manage.py load_exchange_rates."""

    list_display = ["date", "currency", "rate", "source"]
    list_filter = ["source", "currency"]
    search_fields = ["currency"]
    date_hierarchy = "date"
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        # The form validated the row (ISO code, rate within its bounds, one per date).
        if change:
            obj.save()
            return
        services.exchange_rate_set(
            currency=obj.currency, on=obj.date, rate=obj.rate, source=obj.source, user=request.user
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RateForm(form):
            def clean(self):
                data = super().clean()
                if data.get("currency") and data.get("rate") is not None:
                    try:
                        services.exchange_rate_check(currency=data["currency"], rate=data["rate"])
                    except AccountingError as error:
                        for field, errors in error.message_dict.items():
                            self.add_error(field, errors)
                return data

        return RateForm


@admin.register(TaxRule)
class TaxRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_rate", "treatment", "country", "charged_rate", "active"]
    list_filter = ["active", "treatment", "country"]
    list_select_related = ["tax_rate", "charged_rate"]
    search_fields = ["name", "note"]

    def save_model(self, request, obj, form, change):
        services.tax_rule_save(rule=obj, user=request.user)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "type", "active"]
    list_filter = ["type", "active"]
    search_fields = ["code", "name"]


class DimensionValueInline(admin.TabularInline):
    model = DimensionValue
    extra = 0


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["name"]
    inlines = [DimensionValueInline]


class AccountingPeriodEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AccountingPeriodEvent
    extra = 0
    fields = ("created_at", "kind", "user", "reason")
    readonly_fields = fields


def _confirm_action(action: str):
    """Reopen and Lock ask a reason or a confirmation: the admin action opens the Accounts
    page's confirmation step of the selected period (one at a time)."""
    transition = PERIOD_TRANSITIONS[action]

    @admin.action(description=f"{transition.label}…", permissions=["change"])
    def run(modeladmin, request, queryset):
        periods = list(queryset.order_by("pk")[:2])
        if len(periods) != 1:
            modeladmin.message_user(
                request, f"Select one period to {action}: it asks for confirmation.", "error"
            )
            return None
        return redirect("accounting:period-confirm", periods[0].pk, action)

    run.__name__ = f"{action}_periods"
    return run


@admin.action(description="Close Period", permissions=["change"])
def close_periods(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        queryset,
        lambda period: services.period_close(period=period, user=request.user),
        "closed",
        noun="period",
    )


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(RefusedEditMixin, admin.ModelAdmin):
    """Periods are created through period_create (no overlap); their status changes only
    through the services: Close Period here, Reopen and Lock through the Accounts page's
    confirmation step (a reason, a warning). Dates are fixed once the period exists."""

    list_display = ["name", "start", "end", "status", "status_changed_at", "status_changed_by"]
    list_filter = ["status"]
    list_select_related = ["status_changed_by"]
    readonly_fields = ["status", "status_changed_at", "status_changed_by"]
    inlines = [AccountingPeriodEventInline]
    actions = [close_periods, _confirm_action("reopen"), _confirm_action("lock")]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["name", "start", "end"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False  # documents were checked against it; it stays

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of a period is editable here
        with refuse_edit_on_error():
            saved = services.period_create(
                name=obj.name, start=obj.start, end=obj.end, user=request.user
            )
        obj.pk = saved.pk


@admin.register(AccountingPeriodEvent)
class AccountingPeriodEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "period", "kind", "user", "reason"]
    list_filter = ["kind"]
    list_select_related = ["period", "user"]


@admin.register(ProviderToken)
class ProviderTokenAdmin(admin.ModelAdmin):
    """Connect a provider by pasting a refresh token; the clients refresh it from then on."""

    list_display = ["provider", "refreshed_at", "expires_at"]
    fields = ["provider", "refresh_token", "access_token", "refreshed_at", "expires_at"]
    readonly_fields = ["refreshed_at", "expires_at"]


@admin.register(ProviderRateWindow)
class ProviderRateWindowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "window_start", "calls"]
