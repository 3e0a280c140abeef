from django.contrib import admin

from accounting import services
from accounting.exceptions import AccountingError
from accounting.models import (
    Account,
    AccountingPeriod,
    Dimension,
    DimensionValue,
    ExchangeRate,
    TaxRule,
)


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


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(admin.ModelAdmin):
    """Periods are listed here; closing, reopening and locking happen on the Accounts pages
    (through the services, with a reason)."""

    list_display = ["name", "start", "end", "status", "status_changed_at", "status_changed_by"]
    list_filter = ["status"]
    readonly_fields = ["status"]
