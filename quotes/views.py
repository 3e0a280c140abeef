"""Quote pages. Thin: every write goes through quotes.services."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView
from django_htmx.http import HttpResponseClientRedirect

from core.forms import add_service_error
from core.lists import CsvExportMixin, FilteredTableView
from core.numbers import plain
from core.once import SubmitOnceMixin
from core.pdf import pdf_response
from core.views import confirm_step, report_refusal
from quotes import services
from quotes.filters import SalesQuoteFilter
from quotes.forms import (
    QuoteCreateForm,
    QuoteLineAddForm,
    QuoteLineUpdateForm,
    QuoteUpdateForm,
    posted_version,
)
from quotes.models import SalesQuote, SalesQuoteLine
from quotes.tables import SalesQuoteTable

VIEW = "quotes.view_salesquote"
CHANGE = "quotes.change_salesquote"


class QuoteListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = VIEW
    model = SalesQuote
    table_class = SalesQuoteTable
    filterset_class = SalesQuoteFilter
    template_name = "quotes/quote_list.html"
    export_name = "sales-quotes"

    def get_queryset(self):
        return SalesQuote.objects.for_list()


class QuoteCreateView(SubmitOnceMixin, PermissionRequiredMixin, FormView):
    permission_required = "quotes.add_salesquote"
    form_class = QuoteCreateForm
    template_name = "quotes/quote_form.html"

    def get_initial(self):
        customer = self.request.GET.get("customer", "")
        if customer.isascii() and customer.isdecimal():
            return {"customer": int(customer)}
        return {}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            quote = services.quote_create(user=self.request.user, **data)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Quote {quote.number} created.")
        return redirect(quote)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="New Quote", **kwargs)


class QuoteDetailView(PermissionRequiredMixin, DetailView):
    """The quote page: header, every line (one query), the actions the user may run now."""

    permission_required = VIEW
    template_name = "quotes/quote_detail.html"
    context_object_name = "quote"

    def get_queryset(self):
        return SalesQuote.objects.with_state().select_related(
            "customer", "order", "created_by", "decided_by", "sent_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quote, user = self.object, self.request.user
        context["lines"] = list(quote.lines.all())
        context["actions"] = [
            action for action in quote.allowed_actions() if user.has_perms(action.permissions)
        ]
        context["can_edit"] = quote.can_edit() and user.has_perm(CHANGE)
        return context


class QuotePrintView(PermissionRequiredMixin, DetailView):
    """The quote as the customer reads it, on one page."""

    permission_required = VIEW
    template_name = "quotes/quote_print.html"
    context_object_name = "quote"

    def get_queryset(self):
        return SalesQuote.objects.with_state()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = list(self.object.lines.all())
        context["tax_notes"] = list(
            dict.fromkeys(line.tax_note for line in context["lines"] if line.tax_note)
        )
        return context


class QuotePdfView(QuotePrintView):
    """The quote as a PDF (core.pdf)."""

    def render_to_response(self, context, **response_kwargs):
        quote = self.object
        return pdf_response(
            self.request,
            self.template_name,
            {**context, "pdf": True},
            filename=f"quote-{quote.number}.pdf",
            print_url=reverse("quotes:print", args=[quote.pk]),
        )


class QuoteChildMixin(PermissionRequiredMixin):
    """A page that changes a quote: refused (back to the quote, with why) unless editable."""

    permission_required = CHANGE

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.quote = get_object_or_404(SalesQuote.objects.with_state(), pk=kwargs["pk"])
        if not self.quote.can_edit():
            quote = self.quote
            messages.error(
                request, f"{quote.number} is {quote.get_state_display()}, so it cannot be changed."
            )
            return redirect(self.quote)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(quote=self.quote, **kwargs)


class QuoteUpdateView(QuoteChildMixin, FormView):
    form_class = QuoteUpdateForm
    template_name = "quotes/quote_form.html"

    def get_initial(self):
        initial = {field: getattr(self.quote, field) for field in services.HEADER_FIELDS}
        return {**initial, "version": self.quote.version}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.quote_update(
                quote=self.quote, user=self.request.user, expected_version=version, **data
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.quote.number} saved.")
        return redirect(self.quote)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit {self.quote.number}", **kwargs)


class QuoteLineAddView(SubmitOnceMixin, QuoteChildMixin, FormView):
    form_class = QuoteLineAddForm
    template_name = "quotes/line_form.html"

    def get_initial(self):
        return {"version": self.quote.version, "discount_percent": 0}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            line = services.quote_line_add(
                quote=self.quote,
                part=data["part"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                discount_percent=data["discount_percent"],
                notes=data["notes"],
                user=self.request.user,
                expected_version=data["version"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Added {line.part_sku} x {line.quantity.normalize():f} at "
            f"{line.unit_price.normalize():f} ({line.price_source_label}).",
        )
        if "add_another" in self.request.POST:
            return redirect("quotes:line-add", pk=self.quote.pk)
        return redirect(self.quote)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Add Line Item", **kwargs)


class QuoteLineMixin(QuoteChildMixin):
    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.line = get_object_or_404(SalesQuoteLine, pk=kwargs["line_pk"], quote_id=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class QuoteLineUpdateView(QuoteLineMixin, FormView):
    form_class = QuoteLineUpdateForm
    template_name = "quotes/line_form.html"

    def get_initial(self):
        line = self.line
        return {
            "version": self.quote.version,
            "quantity": plain(line.quantity),
            "unit_price": plain(line.unit_price),
            "discount_percent": plain(line.discount_percent),
            "notes": line.notes,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        line = self.line
        price = data["unit_price"]
        if price is not None and not line.price_overridden and price == line.unit_price:
            price = services.UNSET  # untouched: keep following the suggested price
        try:
            services.quote_line_update(
                line=line,
                user=self.request.user,
                expected_version=data["version"],
                quantity=data["quantity"],
                unit_price=price,
                discount_percent=data["discount_percent"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Line {line.part_sku} saved.")
        return redirect(self.quote)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit line {self.line.part_sku}", line=self.line, **kwargs
        )


class QuoteLineDeleteView(QuoteLineMixin, View):
    """POST-only: remove a line of a Draft or Sent quote."""

    http_method_names = ["post"]

    def post(self, request, pk, line_pk):
        version = posted_version(request)
        if version is None:
            messages.error(request, "This form is missing the quote's version; reload the page.")
            return redirect(self.quote)
        try:
            services.quote_line_delete(line=self.line, user=request.user, expected_version=version)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"Removed {self.line.part_sku}.")
        return redirect(self.quote)


class QuoteActionView(PermissionRequiredMixin, View):
    """POST-only: run one quote action (`action`, a key of SalesQuote.ACTIONS) through its
    service; Make Order lands on the new order."""

    http_method_names = ["post"]
    action = ""

    def get_permission_required(self):
        return SalesQuote.ACTIONS[self.action].permissions

    def post(self, request, pk):
        quote = get_object_or_404(SalesQuote, pk=pk)
        entry = SalesQuote.ACTIONS[self.action]
        version = posted_version(request)
        if version is None:
            messages.error(request, "This form is missing the quote's version; reload the page.")
            return redirect(quote)
        try:
            done = services.quote_action(
                quote=quote, action=self.action, user=request.user, expected_version=version
            )
        except ValidationError as error:
            report_refusal(request, error)
            return redirect(quote)
        if self.action == "make_order":
            messages.success(request, f"Sales order {done.reference} made from {quote.number}.")
            return redirect(done)
        messages.success(request, f"{quote.number} {entry.verb}.")
        return redirect(quote)


class QuoteConfirmView(PermissionRequiredMixin, View):
    """GET only: the confirmation step of a quote action with `confirm`; changes nothing."""

    http_method_names = ["get", "head"]

    def get_permission_required(self):
        entry = SalesQuote.ACTIONS.get(self.kwargs["action"])
        return entry.permissions if entry else [VIEW]

    def get(self, request, pk, action):
        entry = SalesQuote.ACTIONS.get(action)
        if entry is None:
            raise Http404("There is no such action for a quote.")
        quote = get_object_or_404(SalesQuote.objects.with_state(), pk=pk)
        refusal = quote.action_refusal(action)
        if refusal:
            messages.error(request, refusal)
            if request.htmx:
                return HttpResponseClientRedirect(quote.get_absolute_url())
            return redirect(quote)
        return confirm_step(
            request,
            title=f"{entry.label} of {quote.number}?",
            text=entry.confirm_text,
            action_url=reverse(entry.url_name, args=[quote.pk]),
            button_label=entry.label,
            button_style=entry.button_style.removeprefix("outline-"),
            hidden={"version": quote.version},
            back_url=quote.get_absolute_url(),
            back_label=f"Back to {quote.number}",
            breadcrumbs=[
                (reverse("quotes:list"), "Quotes"),
                (quote.get_absolute_url(), quote.number),
            ],
        )
