from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from core.attachments import attachment_section
from core.lists import FilteredTableView
from core.once import SubmitOnceMixin
from core.pickers import PickerSearchView
from core.views import ServiceFormMixin
from customers import services
from customers.filters import CustomerFilter
from customers.forms import AddressForm, ContactForm, CustomerForm
from customers.models import Address, Contact, Customer
from customers.tables import CustomerTable


class CustomerListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "customers.view_customer"
    model = Customer
    table_class = CustomerTable
    filterset_class = CustomerFilter
    template_name = "customers/customer_list.html"


class CustomerDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "customers.view_customer"
    queryset = Customer.objects.prefetch_related("addresses", "contacts")
    template_name = "customers/customer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachments"] = attachment_section(
            parent=self.object, user=self.request.user, namespace="customers"
        )
        return context


class CustomerCreateView(SubmitOnceMixin, PermissionRequiredMixin, ServiceFormMixin, CreateView):
    permission_required = "customers.add_customer"
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    success_message = "Customer %(object)s created."

    def call_service(self, form):
        return services.customer_create(user=self.request.user, **form.cleaned_data)


class CustomerUpdateView(PermissionRequiredMixin, ServiceFormMixin, UpdateView):
    permission_required = "customers.change_customer"
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    success_message = "Customer %(object)s saved."

    def call_service(self, form):
        return services.customer_update(
            customer=self.object, user=self.request.user, **form.cleaned_data
        )


class CustomerSetActiveView(PermissionRequiredMixin, SingleObjectMixin, View):
    """POST only: deactivate (or reactivate) a customer."""

    http_method_names = ["post"]
    permission_required = "customers.change_customer"
    model = Customer
    active = False

    def post(self, request, *args, **kwargs):
        customer = self.get_object()
        try:
            services.customer_set_active(customer=customer, active=self.active, user=request.user)
        except ValidationError as error:
            messages.error(request, str(error))
        else:
            if self.active:
                messages.success(request, f"{customer} is active again.")
            else:
                messages.success(request, f"{customer} deactivated: it cannot get new orders.")
        return redirect(customer)


class CustomerDeleteView(PermissionRequiredMixin, DeleteView):
    permission_required = "customers.delete_customer"
    model = Customer
    template_name = "customers/confirm_delete.html"
    success_url = reverse_lazy("customers:customer-list")

    def form_valid(self, form):
        try:
            services.customer_delete(customer=self.object, user=self.request.user)
        except ValidationError as error:
            messages.error(self.request, str(error))
            return redirect(self.object)
        messages.success(self.request, f"Customer {self.object} deleted.")
        return redirect(self.success_url)


class CustomerChildMixin:
    """Views of an address or contact, always reached under its customer's URL."""

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(Customer, pk=kwargs["customer_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model.objects.filter(customer=self.customer).select_related("customer")

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)

    def get_success_url(self):
        return self.customer.get_absolute_url()


class AddressCreateView(
    SubmitOnceMixin, PermissionRequiredMixin, CustomerChildMixin, ServiceFormMixin, CreateView
):
    permission_required = "customers.add_address"
    model = Address
    form_class = AddressForm
    template_name = "customers/address_form.html"
    success_message = "Address added."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Address(customer=self.customer)
        return kwargs

    def call_service(self, form):
        return services.address_create(
            customer=self.customer, user=self.request.user, **form.cleaned_data
        )


class AddressUpdateView(PermissionRequiredMixin, CustomerChildMixin, ServiceFormMixin, UpdateView):
    permission_required = "customers.change_address"
    model = Address
    form_class = AddressForm
    template_name = "customers/address_form.html"
    success_message = "Address saved."

    def call_service(self, form):
        return services.address_update(
            address=self.object, user=self.request.user, **form.cleaned_data
        )


class AddressDeleteView(PermissionRequiredMixin, CustomerChildMixin, DeleteView):
    permission_required = "customers.delete_address"
    model = Address
    template_name = "customers/confirm_delete.html"

    def form_valid(self, form):
        services.address_delete(address=self.object, user=self.request.user)
        messages.success(self.request, "Address removed.")
        return redirect(self.get_success_url())


class ContactCreateView(
    SubmitOnceMixin, PermissionRequiredMixin, CustomerChildMixin, ServiceFormMixin, CreateView
):
    permission_required = "customers.add_contact"
    model = Contact
    form_class = ContactForm
    template_name = "customers/contact_form.html"
    success_message = "Contact %(object)s added."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Contact(customer=self.customer)
        return kwargs

    def call_service(self, form):
        return services.contact_create(
            customer=self.customer, user=self.request.user, **form.cleaned_data
        )


class ContactUpdateView(PermissionRequiredMixin, CustomerChildMixin, ServiceFormMixin, UpdateView):
    permission_required = "customers.change_contact"
    model = Contact
    form_class = ContactForm
    template_name = "customers/contact_form.html"
    success_message = "Contact %(object)s saved."

    def call_service(self, form):
        return services.contact_update(
            contact=self.object, user=self.request.user, **form.cleaned_data
        )


class ContactDeleteView(PermissionRequiredMixin, CustomerChildMixin, DeleteView):
    permission_required = "customers.delete_contact"
    model = Contact
    template_name = "customers/confirm_delete.html"

    def form_valid(self, form):
        services.contact_delete(contact=self.object, user=self.request.user)
        messages.success(self.request, f"Contact {self.object} removed.")
        return redirect(self.get_success_url())


class CustomerSearchView(PickerSearchView):
    """The customer picker's suggestions: `?q=` code or name, `&active=1` for active ones
    only (New Sales Order offers no others)."""

    permission_required = "customers.view_customer"

    def get_queryset(self):
        customers = Customer.objects.all()
        return customers.active() if self.request.GET.get("active") == "1" else customers

    def row(self, customer: Customer) -> dict:
        return {
            "id": customer.pk,
            "code": customer.code,
            "name": customer.name,
            "label": str(customer),
            "detail": customer.currency + ("" if customer.active else " · inactive"),
        }
