"""Invoicing pages. Thin: every write goes through invoicing.services, one service per view.

Transitions are POST only (CSRF); their buttons come from Invoice.ACTIONS, which also names
each one's permission; the ones that cannot be undone (Void Invoice, Delete Draft, Reverse
Payment, Ship and Invoice) have a GET-only confirmation step that changes nothing.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView

from core.attachments import attachment_section
from core.emails import document_emails
from core.forms import add_service_error
from core.lists import CsvExportMixin, FilteredTableView
from core.once import SubmitOnceMixin
from core.pdf import pdf_response
from core.views import confirm_step, report_refusal
from invoicing import selectors, services
from invoicing.filters import InvoiceFilter, InvoiceSyncFilter
from invoicing.forms import (
    InvoiceCreateForm,
    InvoiceLineAddForm,
    InvoiceLineUpdateForm,
    InvoiceUpdateForm,
    PaymentForm,
    ReasonForm,
)
from invoicing.models import Invoice, InvoiceLine, InvoiceSync, Payment
from invoicing.sync import sync_retry
from invoicing.tables import InvoiceSyncTable, InvoiceTable
from salesorders.models import SalesOrder

# Send Invoice: who may change invoices (Accounts, Managers) may email them.
EMAIL_PERMISSION = "invoicing.change_invoice"

MAX_BULK = 500  # orders one Invoice All Shipped may name


def back_to_invoice(invoice: Invoice):
    return redirect(invoice.get_absolute_url())


def form_errors(form) -> str:
    """A bound form's errors as one sentence per field, for a message at the top."""
    return " ".join(
        " ".join(errors) if name == "__all__" else f"{form[name].label}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


class InvoiceMixin(PermissionRequiredMixin):
    """Loads the invoice from the URL (`pk`), and its line (`line_pk`) when given: another
    invoice's line is a 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.invoice = get_object_or_404(Invoice, pk=kwargs["pk"])
        self.line = None
        if "line_pk" in kwargs:
            self.line = get_object_or_404(InvoiceLine, pk=kwargs["line_pk"], invoice=self.invoice)
        return super().dispatch(request, *args, **kwargs)


# --- list, page, documents -------------------------------------------------------------------


class InvoiceListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = "invoicing.view_invoice"
    model = Invoice
    table_class = InvoiceTable
    filterset_class = InvoiceFilter
    template_name = "invoicing/invoice_list.html"
    export_name = "invoices"

    def get_queryset(self):
        return Invoice.objects.for_list()


class InvoiceDetailView(PermissionRequiredMixin, DetailView):
    """The invoice page: lines, tax by rate, payments, the credit note, and the actions
    Invoice.ACTIONS allows now (each shown only with its permission)."""

    permission_required = "invoicing.view_invoice"
    template_name = "invoicing/invoice_detail.html"
    context_object_name = "invoice"
    queryset = Invoice.objects.select_related("order", "customer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.object
        context.update(selectors.invoice_document_context(invoice))
        user = self.request.user
        context["actions"] = [
            action for action in invoice.allowed_actions() if user.has_perm(action.permission)
        ]
        if invoice.can_edit() and user.has_perm("invoicing.change_invoice"):
            context["add_line_form"] = InvoiceLineAddForm()
        context["attachments"] = attachment_section(
            parent=invoice, user=user, namespace="invoicing"
        )
        context["emails"] = document_emails(invoice)
        context["syncs"] = list(invoice.syncs.select_related("payment"))
        if invoice.can_email() and user.has_perm(EMAIL_PERMISSION):
            context["email_request_token"] = uuid.uuid4().hex
        return context


def posted_version(request) -> int | None:
    """The version the form was made from (hidden field), or None when not sent."""
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdecimal() else None


class InvoicePrintView(InvoiceDetailView):
    """The invoice or credit note as the customer receives it (also the PDF's source)."""

    template_name = "invoicing/invoice_print.html"

    def get_context_data(self, **kwargs):
        context = super(InvoiceDetailView, self).get_context_data(**kwargs)
        context.update(selectors.invoice_document_context(self.object))
        context.update(selectors.invoice_print_context(self.object))
        return context


class InvoicePdfView(InvoicePrintView):
    def render_to_response(self, context, **response_kwargs):
        invoice = self.object
        name = invoice.number or f"draft-{invoice.pk}"
        return pdf_response(
            self.request,
            self.template_name,
            {**context, "pdf": True},
            filename=f"{name}.pdf",
            print_url=reverse("invoicing:invoice-print", args=[invoice.pk]),
        )


# --- create from an order, Ship and Invoice, Invoice All Shipped -----------------------------


class InvoiceCreateView(SubmitOnceMixin, PermissionRequiredMixin, FormView):
    """Create Invoice on an order: one quantity per line, pre-filled with what may be
    invoiced (invoicing.selectors.invoiceable_lines); the user may lower them or leave lines
    out. Makes a draft invoice."""

    permission_required = "invoicing.add_invoice"
    form_class = InvoiceCreateForm
    template_name = "invoicing/invoice_create.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()  # before the order: no 404 telling it exists
        self.order = get_object_or_404(SalesOrder, pk=kwargs["order_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        rows = [row for row in selectors.invoiceable_lines(self.order) if row[1] > 0]
        return {**super().get_form_kwargs(), "rows": rows}

    def form_valid(self, form):
        try:
            invoice = services.invoice_create_from_order(
                order=self.order,
                quantities=form.cleaned_data["quantities"],
                user=self.request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{invoice} created for {self.order.reference}.")
        return redirect(invoice)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "order": self.order}


class SalesOrderShipAndInvoiceView(SubmitOnceMixin, PermissionRequiredMixin, View):
    """Ship and Invoice: GET is the confirmation step; POST allocates, ships and posts one
    invoice in one transaction (invoicing.services.salesorder_ship_and_invoice). It ships and
    invoices, so it needs both the warehouse's and the accounts' permissions."""

    permission_required = [
        "shipping.add_allocation",
        "shipping.complete_shipment",
        "invoicing.add_invoice",
        "invoicing.post_invoice",
    ]

    def get(self, request, order_pk):
        order = get_object_or_404(SalesOrder, pk=order_pk)
        return confirm_step(
            request,
            title=f"Ship and Invoice {order.reference}?",
            text=(
                "Everything not yet shipped is allocated (oldest stock first) and shipped, "
                "service lines are delivered, and one invoice is posted for everything "
                "shipped and not yet invoiced. If any line cannot be covered, nothing happens."
            ),
            action_url=reverse("invoicing:order-ship-and-invoice", args=[order.pk]),
            button_label="Ship and Invoice",
            hidden={"version": order.version},
            back_url=order.get_absolute_url(),
            back_label=f"Back to {order.reference}",
            breadcrumbs=[(order.get_absolute_url(), order.reference)],
        )

    def post(self, request, order_pk):
        order = get_object_or_404(SalesOrder, pk=order_pk)
        try:
            invoice = services.salesorder_ship_and_invoice(
                order=order, user=request.user, expected_version=posted_version(request)
            )
        except ValidationError as error:
            report_refusal(request, error)
            return redirect(order)
        messages.success(request, f"{order.reference} shipped and invoiced: {invoice}.")
        return redirect(invoice)


class InvoiceAllShippedView(SubmitOnceMixin, PermissionRequiredMixin, View):
    """Invoice All Shipped, from the order list: one posted invoice per selected order for
    what it shipped and has not invoiced (invoicing.services.invoices_create_for_shipped);
    an order refused (nothing to invoice) is named with the reason, the others go on."""

    http_method_names = ["post"]
    permission_required = ["invoicing.add_invoice", "invoicing.post_invoice"]

    def post(self, request):
        pks = [
            int(pk)
            for pk in request.POST.getlist("select")
            if pk.isascii() and pk.isdecimal() and len(pk) < 19  # a row id, not an overflow
        ]
        back = request.POST.get("next", "")
        back = back if back.startswith("/") and not back.startswith("//") else ""
        back = back or reverse("salesorders:list")
        if not pks:
            messages.error(request, "Select the orders to invoice first.")
            return redirect(back)
        orders = list(SalesOrder.objects.filter(pk__in=pks[:MAX_BULK]))
        batch = services.invoices_create_for_shipped(orders=orders, user=request.user)
        if batch.invoices:
            messages.success(request, batch.summary())
        else:
            messages.error(request, batch.summary())
        return redirect(back)


# --- a draft: header, lines ------------------------------------------------------------------


class InvoiceUpdateView(InvoiceMixin, FormView):
    """Edit a draft's date and notes."""

    permission_required = "invoicing.change_invoice"
    form_class = InvoiceUpdateForm
    template_name = "invoicing/invoice_form.html"

    def get(self, request, *args, **kwargs):
        if not self.invoice.can_edit():
            messages.error(request, f"{self.invoice} is posted; it cannot be changed.")
            return back_to_invoice(self.invoice)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        invoice = self.invoice
        return {
            "invoice_date": invoice.invoice_date,
            "notes": invoice.notes,
            "version": invoice.version,
        }

    def form_valid(self, form):
        try:
            services.invoice_update(
                invoice=self.invoice,
                user=self.request.user,
                expected_version=form.cleaned_data.pop("version"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.invoice} saved.")
        return back_to_invoice(self.invoice)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invoice": self.invoice}


class InvoiceLineUpdateView(InvoiceMixin, View):
    """POST only: a draft line's quantity, unit price and discount."""

    http_method_names = ["post"]
    permission_required = "invoicing.change_invoice"

    def post(self, request, *args, **kwargs):
        form = InvoiceLineUpdateForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return back_to_invoice(self.invoice)
        try:
            services.invoice_line_update(
                line=self.line,
                user=request.user,
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"{self.line.description}: saved.")
        return back_to_invoice(self.invoice)


class InvoiceLineAddView(SubmitOnceMixin, InvoiceMixin, View):
    """POST only: a free line (no order line) on a draft."""

    http_method_names = ["post"]
    permission_required = "invoicing.change_invoice"

    def post(self, request, *args, **kwargs):
        form = InvoiceLineAddForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return back_to_invoice(self.invoice)
        try:
            line = services.invoice_line_add(
                invoice=self.invoice,
                user=request.user,
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"{line.description}: added.")
        return back_to_invoice(self.invoice)


class InvoiceLineDeleteView(InvoiceMixin, View):
    http_method_names = ["post"]
    permission_required = "invoicing.change_invoice"

    def post(self, request, *args, **kwargs):
        try:
            services.invoice_line_delete(
                line=self.line, user=request.user, expected_version=posted_version(request)
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"{self.line.description}: removed from {self.invoice}.")
        return back_to_invoice(self.invoice)


# --- transitions -----------------------------------------------------------------------------


class InvoiceConfirmView(InvoiceMixin, View):
    """GET only: the confirmation step of an action of Invoice.ACTIONS (Void Invoice asks a
    reason). Changes nothing; an action not allowed now goes back with the reason."""

    http_method_names = ["get", "head"]

    def get_permission_required(self):
        entry = Invoice.ACTIONS.get(self.kwargs["action"])
        return [entry.permission if entry else "invoicing.view_invoice"]

    def get(self, request, pk, action):
        entry = Invoice.ACTIONS.get(action)
        if entry is None:
            raise Http404("There is no such action for an invoice.")
        invoice = self.invoice
        refusal = invoice.action_refusal(action)
        if refusal:
            messages.error(request, refusal)
            return back_to_invoice(invoice)
        return confirm_step(
            request,
            title=f"{entry.label} {invoice}?",
            text=entry.confirm_text,
            action_url=reverse(entry.url_name, args=[invoice.pk]),
            button_label=entry.label,
            button_style=entry.button_style.removeprefix("outline-"),
            hidden={"version": invoice.version},
            reason_label="Reason" if entry.asks_reason else "",
            reason_required=entry.asks_reason,
            back_url=invoice.get_absolute_url(),
            back_label=f"Back to {invoice}",
            breadcrumbs=[
                (reverse("invoicing:invoice-list"), "Invoices"),
                (invoice.get_absolute_url(), str(invoice)),
            ],
        )


class InvoiceActionView(InvoiceMixin, View):
    """POST only: one action of Invoice.ACTIONS, calling its one service (`run`)."""

    http_method_names = ["post"]
    action = ""
    done = ""

    def get_permission_required(self):
        return [Invoice.ACTIONS[self.action].permission]

    def post(self, request, *args, **kwargs):
        reason = ReasonForm(request.POST)
        if not reason.is_valid():
            messages.error(request, form_errors(reason))
            return back_to_invoice(self.invoice)
        try:
            result = self.run(self.invoice, reason=reason.cleaned_data["reason"])
        except ValidationError as error:
            report_refusal(request, error)
            return back_to_invoice(self.invoice)
        messages.success(request, self.done.format(invoice=self.invoice, result=result))
        return self.redirect_after(result)

    def run(self, invoice: Invoice, *, reason: str):
        raise NotImplementedError

    def redirect_after(self, result):
        return back_to_invoice(self.invoice)


class InvoicePostView(InvoiceActionView):
    action = "post"
    done = "{result} posted."

    def run(self, invoice, *, reason):
        return services.invoice_post(
            invoice=invoice, user=self.request.user, expected_version=posted_version(self.request)
        )


class InvoiceVoidView(InvoiceActionView):
    action = "void"
    done = "{invoice} voided by credit note {result}."

    def run(self, invoice, *, reason):
        return services.invoice_void(
            invoice=invoice,
            reason=reason,
            user=self.request.user,
            expected_version=posted_version(self.request),
        )


class InvoiceDeleteView(InvoiceActionView):
    action = "delete"
    done = "{result} deleted; its quantities may be invoiced again."

    def run(self, invoice, *, reason):
        label, order = str(invoice), invoice.order
        services.invoice_delete(
            invoice=invoice, user=self.request.user, expected_version=posted_version(self.request)
        )
        self.order = order
        return label

    def redirect_after(self, result):
        return redirect(self.order)


# --- payments --------------------------------------------------------------------------------


class PaymentRecordView(SubmitOnceMixin, InvoiceMixin, FormView):
    """Record Payment on a posted invoice: amount (the open amount unless changed), date,
    method, reference."""

    permission_required = Invoice.ACTIONS["payment"].permission
    form_class = PaymentForm
    template_name = "invoicing/payment_form.html"

    def get(self, request, *args, **kwargs):
        refusal = self.invoice.action_refusal("payment")
        if refusal:
            messages.error(request, refusal)
            return back_to_invoice(self.invoice)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "invoice": self.invoice}

    def form_valid(self, form):
        try:
            payment = services.payment_record(
                invoice=self.invoice,
                user=self.request.user,
                expected_version=form.cleaned_data.pop("version"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Payment of {payment.amount} {self.invoice.currency} recorded."
        )
        return back_to_invoice(self.invoice)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invoice": self.invoice}


class PaymentReverseView(InvoiceMixin, View):
    """GET: the confirmation step (with a reason); POST: reverse the payment."""

    permission_required = "invoicing.reverse_payment"

    def get_payment(self) -> Payment:
        return get_object_or_404(Payment, pk=self.kwargs["payment_pk"], invoice=self.invoice)

    def get(self, request, *args, **kwargs):
        payment = self.get_payment()
        if payment.is_reversed:
            messages.info(request, "This payment is already reversed.")
            return back_to_invoice(self.invoice)
        return confirm_step(
            request,
            title=f"Reverse the payment of {payment.amount} {self.invoice.currency}?",
            text="The invoice's open amount grows by the payment again.",
            action_url=request.path,
            button_label="Reverse Payment",
            button_style="danger",
            reason_label="Reason",
            reason_required=True,
            back_url=self.invoice.get_absolute_url(),
            back_label=f"Back to {self.invoice}",
            breadcrumbs=[(self.invoice.get_absolute_url(), str(self.invoice))],
        )

    def post(self, request, *args, **kwargs):
        payment = self.get_payment()
        reason = ReasonForm(request.POST)
        if not reason.is_valid():
            messages.error(request, form_errors(reason))
            return back_to_invoice(self.invoice)
        try:
            services.payment_reverse(
                payment=payment, reason=reason.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"Payment of {payment.amount} reversed.")
        return back_to_invoice(self.invoice)


class InvoiceEmailSendView(PermissionRequiredMixin, View):
    """POST-only Send Invoice: queues the invoice's email with its PDF (a background job) to
    the order's contact or the customer. The form's `request_token` (new each time the page is
    shown) makes a double click queue one email, not two."""

    http_method_names = ["post"]
    permission_required = EMAIL_PERMISSION

    def post(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        token = request.POST.get("request_token", "").strip()[:64] or uuid.uuid4().hex
        try:
            log = services.invoice_email_send(
                invoice=invoice, request_token=token, user=request.user
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"{invoice} queued to {log.recipient}.")
        return redirect(invoice)


class InvoiceSyncListView(PermissionRequiredMixin, FilteredTableView):
    """The Sync page (Accounts, Managers): pushes to the accounting provider that are
    pending, failed or dead, with the provider's error and Retry."""

    permission_required = "invoicing.view_invoicesync"
    model = InvoiceSync
    table_class = InvoiceSyncTable
    filterset_class = InvoiceSyncFilter
    template_name = "invoicing/sync_list.html"

    def get_queryset(self):
        return InvoiceSync.objects.for_list()


class InvoiceSyncRetryView(PermissionRequiredMixin, View):
    """POST-only Retry of a failed or dead push (invoicing.sync.sync_retry): the same
    idempotency key, so the provider keeps one document."""

    http_method_names = ["post"]
    permission_required = "invoicing.change_invoicesync"

    def post(self, request, pk):
        sync = get_object_or_404(InvoiceSync.objects.select_related("invoice"), pk=pk)
        try:
            sync_retry(sync=sync, user=request.user)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"{sync} queued to run again now.")
        if request.POST.get("back") == "invoice":  # the Retry on the invoice page
            return redirect(sync.invoice)
        return redirect("invoicing:sync-list")
