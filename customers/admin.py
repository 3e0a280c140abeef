from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect

from customers import services
from customers.models import Address, Contact, Customer

DEFAULT_FLAGS = {
    "is_default_shipping": "default shipping address",
    "is_default_billing": "default billing address",
}


class EditRefused(Exception):
    """A service refused the admin's save; carries the reason."""


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
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email", "phone", "currency", "payment_terms_days", "active"]
    list_filter = ["active", "currency"]
    search_fields = ["code", "name", "email", "tax_number"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AddressInline, ContactInline]
    actions = ["deactivate", "reactivate"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        """Through customer_save, so a blank code gets the next free C-00000 (race-safe)."""
        try:
            services.customer_save(customer=obj, user=request.user)
        except ValidationError as error:
            raise EditRefused(" ".join(error.messages)) from error

    def save_formset(self, request, form, formset, change):
        """Addresses are saved together by addresses_save, which clears a default flag an
        address gives up before another address takes it (so a default can move in one save)
        and re-checks the flags under the customer's lock."""
        if formset.model is not Address:
            return super().save_formset(request, form, formset, change)
        addresses = formset.save(commit=False)
        try:
            services.addresses_save(
                customer=form.instance,
                addresses=addresses,
                deleted=formset.deleted_objects,
                user=request.user,
            )
        except ValidationError as error:
            raise EditRefused(" ".join(error.messages)) from error
        formset.save_m2m()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A refused save leaves the transaction, so nothing of it lands (inlines, log entry),
        and comes back to the form with the reason instead of "changed successfully"."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditRefused as refused:
            self.message_user(request, f"Not saved: {refused}", messages.ERROR)
            return HttpResponseRedirect(request.path)

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
