from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from customers import services
from customers.models import Address, Contact, Customer


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email", "phone", "currency", "payment_terms_days", "active"]
    list_filter = ["active", "currency"]
    search_fields = ["code", "name", "email", "tax_number"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AddressInline, ContactInline]
    actions = ["deactivate", "reactivate"]

    def save_model(self, request, obj, form, change):
        if not obj.code:
            obj.code = services.next_customer_code()
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.customer_delete(customer=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for customer in queryset:
            try:
                services.customer_delete(customer=customer, user=request.user)
            except ValidationError as error:
                self.message_user(request, str(error), messages.ERROR)

    @admin.action(description="Deactivate selected customers", permissions=["change"])
    def deactivate(self, request, queryset):
        count = queryset.update(active=False)
        self.message_user(request, f"{count} customer(s) deactivated.")

    @admin.action(description="Reactivate selected customers", permissions=["change"])
    def reactivate(self, request, queryset):
        count = queryset.update(active=True)
        self.message_user(request, f"{count} customer(s) reactivated.")


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "label",
        "line1",
        "city",
        "country",
        "is_default_shipping",
        "is_default_billing",
    ]
    list_filter = ["country", "is_default_shipping", "is_default_billing"]
    search_fields = ["customer__code", "customer__name", "line1", "city", "postcode"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "email", "phone", "customer"]
    search_fields = ["name", "email", "customer__code", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
