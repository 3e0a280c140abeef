from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models

from core.admin import RefusedEditMixin, refuse_edit_on_error, run_each
from core.forms import MULTILINE_OVERRIDES
from customers import services
from customers.models import Address, Contact, Customer

DEFAULT_FLAGS = {
    "is_default_shipping": "default shipping address",
    "is_default_billing": "default billing address",
}


class AddressInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """At most one address (of those kept) may be the default shipping, and one the
        default billing address. The database would refuse a second one with a server error,
        because an inline form does not check the constraints that involve its customer."""
        super().clean()
        for flag, label in DEFAULT_FLAGS.items():
            ticked = [
                form
                for form in self.forms
                if getattr(form, "cleaned_data", None)
                and not self._should_delete_form(form)
                and form.cleaned_data.get(flag)
            ]
            if len(ticked) > 1:
                raise ValidationError(
                    f"Only one address can be the {label}; {len(ticked)} are ticked. "
                    "Untick all but one.",
                    code="two_defaults",
                )


class AddressInline(admin.StackedInline):
    model = Address
    formset = AddressInlineFormSet
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(RefusedEditMixin, admin.ModelAdmin):
    list_display = ["code", "name", "email", "phone", "currency", "payment_terms_days", "active"]
    list_filter = ["active", "currency"]
    search_fields = ["code", "name", "email", "tax_number"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AddressInline, ContactInline]
    actions = ["deactivate", "reactivate"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}, **MULTILINE_OVERRIDES}

    def save_model(self, request, obj, form, change):
        """Through customer_save, so a blank code gets the next free C-00000 (race-safe)."""
        with refuse_edit_on_error():
            services.customer_save(customer=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        """Addresses are saved together by addresses_save, which clears a default flag an
        address gives up before another address takes it (so a default can move in one save)
        and re-checks the flags under the customer's lock."""
        if formset.model is not Address:
            return super().save_formset(request, form, formset, change)
        addresses = formset.save(commit=False)
        with refuse_edit_on_error():
            services.addresses_save(
                customer=form.instance,
                addresses=addresses,
                deleted=formset.deleted_objects,
                user=request.user,
            )
        formset.save_m2m()

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
        self._set_active(request, queryset, active=False, done_verb="deactivated")

    @admin.action(description="Reactivate selected customers", permissions=["change"])
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, active=True, done_verb="reactivated")

    def _set_active(self, request, queryset, *, active: bool, done_verb: str) -> None:
        def set_active(customer):
            services.customer_set_active(customer=customer, active=active, user=request.user)

        run_each(self, request, queryset, set_active, done_verb, noun="customer")


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
