"""Sales-order pages. Thin: every write goes through salesorders.services."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView, UpdateView
from django_htmx.http import HttpResponseClientRedirect, reselect, reswap, retarget

from accounting.selectors import dimensions_with_values, revenue_accounts
from core.attachment_views import AttachmentAddView, AttachmentDeleteView
from core.attachments import attachment_section
from core.forms import add_service_error
from core.links import child_url_maker
from core.lists import CsvExportMixin, FilteredTableView
from core.numbers import plain as _plain
from core.once import SubmitOnceMixin
from core.pdf import pdf_response
from core.views import confirm_step, report_refusal
from inventory.models import TaxRate, format_unit_quantity
from salesorders import selectors, services
from salesorders.exceptions import CreditWarningError, DuplicateLineError
from salesorders.filters import SalesOrderFilter
from salesorders.forms import (
    CreditPolicyForm,
    ExtraLineForm,
    LineAddForm,
    LinePreviewForm,
    LineUpdateForm,
    RateForm,
    SalesOrderCreateForm,
    SalesOrderSettingsForm,
    SalesOrderUpdateForm,
    booking_initial,
    chosen_tax_rate,
    posted_action,
)
from salesorders.models import (
    SalesOrder,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderSettings,
)
from salesorders.selectors import order_url_at
from salesorders.tables import SalesOrderTable

# --- list and create -----------------------------------------------------------------------


class SalesOrderListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = "salesorders.view_salesorder"
    model = SalesOrder
    table_class = SalesOrderTable
    filterset_class = SalesOrderFilter
    template_name = "salesorders/order_list.html"
    export_name = "sales-orders"

    # The checkbox column's bulk actions (Print, Export selected, Issue, ...) are the top
    # layer's (config.bulk): the template lists those the user may use.

    def get_queryset(self):
        return SalesOrder.objects.for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        keep = [(k, v) for k in ("status", "customer") for v in self.request.GET.getlist(k) if v]
        context["calendar_query"] = urlencode(keep)
        return context


class SalesOrderCreateView(SubmitOnceMixin, PermissionRequiredMixin, FormView):
    permission_required = "salesorders.add_salesorder"
    form_class = SalesOrderCreateForm
    template_name = "salesorders/order_form.html"
    extra_context = {"cancel_url": reverse_lazy("salesorders:list")}

    def get_initial(self):
        initial = {"salesperson": self.request.user.pk, "priority": 0}
        customer = self.request.GET.get("customer", "")
        if customer.isascii() and customer.isdecimal():  # "²".isdigit() is true, int() fails
            initial["customer"] = int(customer)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            order = services.salesorder_create(
                customer=data["customer"],
                user=self.request.user,
                reference=data["reference"],
                customer_reference=data["customer_reference"],
                description=data["description"],
                order_date=data["order_date"],
                target_date=data["target_date"],
                requested_delivery_date=data["requested_delivery_date"],
                currency=data["currency"],
                salesperson=data["salesperson"],
                priority=data["priority"] or 0,
                notes=data["notes"],
                prices_include_tax=data["prices_include_tax"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Sales order {order.reference} created.")
        return redirect(order)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="New Sales Order", **kwargs)


# --- the order page ------------------------------------------------------------------------


class SalesOrderDetailView(PermissionRequiredMixin, DetailView):
    """The order page. Lines are shown LINES_PER_PAGE at a time (`?lines_page=N`), each with
    an Edit link to its own page and buttons of one shared form (a string format per line,
    not a form): 10 lines or 1,000 render in about the same time. The totals shown are
    those stored on the order."""

    permission_required = "salesorders.view_salesorder"
    template_name = "salesorders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return selectors.salesorder_page_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = selectors.salesorder_page(
            self.object, user=self.request.user, lines_page=self.request.GET.get("lines_page")
        )
        context.update(page.as_context())
        if page.may_send_confirmation:
            context["email_request_token"] = uuid.uuid4().hex
        context["may_duplicate"] = self.request.user.has_perm(DUPLICATE_PERMISSION)
        if page.can_edit:
            context.update(self.line_links(page))
            context["entry_form"] = line_entry_form(self.object)
        context["attachments"] = attachment_section(
            parent=self.object, user=self.request.user, namespace="salesorders"
        )
        if self.object.is_pending() and self.request.user.has_perm(RATE_PERMISSION):
            context["rate_form"] = RateForm(
                initial={"version": self.object.version, "currency_rate": self.object.currency_rate}
            )
        return context

    def line_links(self, page: selectors.OrderPage) -> dict:
        """Each line's Edit and Remove links, and the inline edit form of the line being edited
        (`?edit=<pk>`): it opens in the line's place, posts to the line's edit page, which comes
        back here."""
        order = page.order
        query = self.request.GET.copy()
        edit_pk = query.pop("edit", [""])[-1]
        query["lines_page"] = page.lines_page.number
        edit_href = f"?{query.urlencode()}&edit={{pk}}#line-{{pk}}"
        edit_url = child_url_maker("salesorders:line-update", order.pk)
        remove_url = child_url_maker("salesorders:line-delete", order.pk)
        # Cancel Remaining releases stock, which is shipping's: its view lives there.
        cancel_url = child_url_maker("shipping:salesorderline-cancel-remaining", order.pk)
        for line in page.lines:
            line.edit_url = edit_url(line.pk)
            line.inline_edit_href = edit_href.format(pk=line.pk)
            line.remove_url = remove_url(line.pk)
            line.cancel_remaining_url = cancel_url(line.pk)
        editing = next((line for line in page.lines if str(line.pk) == edit_pk), None)
        if editing is None:
            return {"editing": None}
        editing.form = LineUpdateForm(
            initial=line_form_initial(editing, order),
            tax_rates=list(TaxRate.objects.filter(active=True)),
            line=editing,
            **booking_choices(),
        )
        editing.form.fields["quantity"].widget.attrs["autofocus"] = True
        return {"editing": editing, "close_edit_href": f"?{query.urlencode()}#line-{editing.pk}"}


RATE_PERMISSION = "salesorders.change_rate_salesorder"
DUPLICATE_PERMISSION = "salesorders.add_salesorder"


class SalesOrderDuplicateView(PermissionRequiredMixin, View):
    """POST-only Duplicate Order: a new Pending order with the same customer and lines
    (salesorder_duplicate); lands on the new order."""

    http_method_names = ["post"]
    permission_required = DUPLICATE_PERMISSION

    def post(self, request, pk):
        order = get_object_or_404(SalesOrder, pk=pk)
        try:
            copy = services.salesorder_duplicate(order=order, user=request.user)
        except ValidationError as error:
            report_refusal(request, error)
            return redirect(order)
        messages.success(request, f"Sales order {copy.reference} created as a copy of {order}.")
        return redirect(copy)


class SalesOrderRateView(PermissionRequiredMixin, View):
    """POST-only: a manager sets the exchange rate of a Pending order by hand."""

    http_method_names = ["post"]
    permission_required = RATE_PERMISSION

    def post(self, request, pk):
        order = get_object_or_404(SalesOrder, pk=pk)
        form = RateForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return redirect(order)
        try:
            services.salesorder_rate_set(
                order=order,
                rate=form.cleaned_data["currency_rate"],
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{order.reference}: exchange rate saved.")
        return redirect(order)


class SalesOrderPrintView(PermissionRequiredMixin, DetailView):
    """An order confirmation a customer could receive: every line, on one page."""

    permission_required = "salesorders.view_salesorder"
    template_name = "salesorders/order_print.html"
    context_object_name = "order"
    queryset = SalesOrder.objects.prefetch_related("lines", "extra_lines")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = list(self.object.lines.all())
        context["extra_lines"] = list(self.object.extra_lines.all())
        context["tax_notes"] = selectors.tax_notes_of(context["lines"] + context["extra_lines"])
        return context


PRINT_SELECTED_MAX = 100  # confirmations one Print of the selected orders shows


class SalesOrderPrintSelectedView(PermissionRequiredMixin, TemplateView):
    """Print of the orders selected on the list (`?ids=3,5,8`): their confirmations one
    after the other, a printed page each, in reference order. Three queries for any number
    (the orders, their lines, their extra lines)."""

    permission_required = "salesorders.view_salesorder"
    template_name = "salesorders/order_print_selected.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ids = [
            int(pk)
            for pk in self.request.GET.get("ids", "").split(",")
            if pk.isascii() and pk.isdecimal() and len(pk) < 19
        ][:PRINT_SELECTED_MAX]
        orders = SalesOrder.objects.filter(pk__in=ids).prefetch_related("lines", "extra_lines")
        documents = []
        for order in orders.order_by("reference_number", "pk"):
            lines, extra_lines = list(order.lines.all()), list(order.extra_lines.all())
            documents.append(
                {
                    "order": order,
                    "lines": lines,
                    "extra_lines": extra_lines,
                    "tax_notes": selectors.tax_notes_of(lines + extra_lines),
                }
            )
        context["documents"] = documents
        context["back_url"] = reverse("salesorders:list")
        return context


class SalesOrderPdfView(SalesOrderPrintView):
    """The order confirmation as a PDF (core.pdf); without WeasyPrint a page naming what to
    install, pointing at the print view."""

    def render_to_response(self, context, **response_kwargs):
        order = self.object
        return pdf_response(
            self.request,
            self.template_name,
            {**context, "pdf": True},
            filename=f"order-{order.reference}.pdf",
            print_url=reverse("salesorders:print", args=[order.pk]),
        )


class SalesOrderUpdateView(PermissionRequiredMixin, FormView):
    permission_required = "salesorders.change_salesorder"
    form_class = SalesOrderUpdateForm
    template_name = "salesorders/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.order = get_object_or_404(
            SalesOrder.objects.select_related("customer"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.order.is_read_only:
            messages.error(
                request, f"{self.order} is {self.order.get_status_display()}; it is read-only."
            )
            return redirect(self.order)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "order": self.order}

    def get_initial(self):
        order = self.order
        fields = [f for f in services.HEADER_FIELDS]
        initial = {field: getattr(order, field) for field in fields}
        initial["version"] = order.version
        return initial

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        for name in ("payment_terms_kind", "payment_terms_days"):
            if data.get(name) in (None, ""):
                data.pop(name)  # left blank: keep the order's terms
        try:
            services.salesorder_update(
                order=self.order, user=self.request.user, expected_version=version, **data
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.order.reference} saved.")
        return redirect(self.order)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit {self.order.reference}", order=self.order, **kwargs
        )


class SalesOrderTransitionView(PermissionRequiredMixin, View):
    """POST-only: run one lifecycle action (`action`, a key of SalesOrder.TRANSITIONS) through
    its service; the table gives the permission, whether a reason is posted, the message.
    An app above may subclass it to run its own service for an action (`run`)."""

    http_method_names = ["post"]
    action = ""
    pk_url_kwarg = "pk"

    @property
    def transition(self) -> SalesOrder.Transition:
        return SalesOrder.TRANSITIONS[self.action]

    def get_permission_required(self):
        return [self.transition.permission]

    def run(self, order: SalesOrder, *, version: int, reason: str) -> SalesOrder | None:
        return services.salesorder_transition(
            order=order,
            action=self.action,
            user=self.request.user,
            expected_version=version,
            reason=reason,
            credit_acknowledged=self.request.POST.get("credit_acknowledged") == "1",
            step_id=posted_step(self.request),
        )

    def done_url(self, order: SalesOrder) -> str:
        """Back where the button was: the order, or a page of ours it names (`next`)."""
        back = self.request.POST.get("next", "")
        local = back.startswith("/") and not back.startswith("//") and "\x00" not in back
        if local and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
            return back
        return order.get_absolute_url()

    def post(self, request, **kwargs):
        order = get_object_or_404(SalesOrder, pk=kwargs[self.pk_url_kwarg])
        form = posted_action(request)
        if form is None:
            return HttpResponseRedirect(self.done_url(order))
        try:
            done = self.run(
                order, version=form.cleaned_data["version"], reason=form.cleaned_data["reason"]
            )
        except CreditWarningError:
            # Over the credit limit: the confirmation step shows the warning first.
            return redirect("salesorders:confirm", pk=order.pk, action=self.action)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, self.success_text(done or order))
        return HttpResponseRedirect(self.done_url(order))

    def success_text(self, order: SalesOrder) -> str:
        if self.transition.decision and order.is_pending_approval():
            return f"{order.reference}: your approval is recorded; it waits for the next step."
        if self.transition.decision and order.status == SalesOrder.Status.ISSUED:
            return f"{order.reference} approved and issued."
        return f"{order.reference} {self.transition.verb}."


class SalesOrderConfirmationSendView(PermissionRequiredMixin, View):
    """POST-only Send Order Confirmation: queues the email (a background job) to the order's
    contact or customer. The form's `request_token` (a new one each time the page is shown)
    makes a double click or a resent POST queue one email, not two."""

    http_method_names = ["post"]
    permission_required = selectors.SEND_CONFIRMATION_PERMISSION

    def post(self, request, pk):
        order = get_object_or_404(SalesOrder, pk=pk)
        token = request.POST.get("request_token", "").strip()[:64] or uuid.uuid4().hex
        try:
            log = services.salesorder_confirmation_send(
                order=order, request_token=token, user=request.user
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(
                request, f"Order confirmation of {order.reference} queued to {log.recipient}."
            )
        return redirect(order)


class SalesOrderConfirmView(PermissionRequiredMixin, View):
    """GET only: the confirmation step of a lifecycle action (`action`, a key of
    SalesOrder.TRANSITIONS): what it does, the reason box when it asks one, and the button that
    posts to the action's own POST view (its `url_name`). Changes nothing. An action not
    allowed now goes back to the order with the reason."""

    http_method_names = ["get", "head"]

    def get_permission_required(self):
        transition = SalesOrder.TRANSITIONS.get(self.kwargs["action"])
        return [transition.permission if transition else "salesorders.view_salesorder"]

    def get(self, request, pk, action):
        transition = SalesOrder.TRANSITIONS.get(action)
        if transition is None:
            raise Http404("There is no such action for a sales order.")
        order = get_object_or_404(SalesOrder.objects.select_related("customer"), pk=pk)
        facts = selectors.salesorder_facts(order, for_action=action)
        refusal = order.transition_refusal(action, facts)
        if refusal or transition.decision:
            if refusal:
                messages.error(request, refusal)
            if request.htmx:
                return HttpResponseClientRedirect(order.get_absolute_url())
            return redirect(order)
        text, hidden = transition.confirm_text, {"version": order.version}
        if transition.credit_checked:
            position = selectors.credit_position(order.customer, order=order)
            if position.exceeded:
                # Every user sees it before going on; posting it back records the warning.
                text = f"{position.sentence(order.customer.name)} {text}".strip()
                hidden["credit_acknowledged"] = "1"
        return confirm_step(
            request,
            title=f"{transition.label} {order.reference}?",
            text=text,
            action_url=reverse(transition.url_name, args=[order.pk]),
            button_label=transition.label,
            button_style=transition.button_style.removeprefix("outline-"),
            hidden=hidden,
            reason_label=transition.reason_label if transition.asks_reason else "",
            reason_required=transition.reason_required,
            back_url=order.get_absolute_url(),
            back_label=f"Back to {order.reference}",
            breadcrumbs=[
                (reverse("salesorders:list"), "Sales Orders"),
                (order.get_absolute_url(), order.reference),
            ],
        )


def posted_step(request) -> int | None:
    """The approval step an Approve / Reject button posts (`step`), or None."""
    try:
        return int(request.POST.get("step", ""))
    except ValueError:
        return None


# --- lines ---------------------------------------------------------------------------------


class OrderChildMixin(PermissionRequiredMixin):
    permission_required = "salesorders.change_salesorder"

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.order = get_object_or_404(SalesOrder, pk=kwargs["pk"])
        if self.order.is_read_only:
            # No form that could only be refused on save: back to the order, with the reason.
            messages.error(
                request,
                f"{self.order.reference} is {self.order.get_status_display()}, "
                "so its lines cannot be changed.",
            )
            return redirect(self.order)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.order, **kwargs)


def booking_choices() -> dict:
    """The revenue accounts and dimensions a line form offers (three queries)."""
    return {"accounts": list(revenue_accounts()), "dimensions": dimensions_with_values()}


def line_entry_form(order: SalesOrder, data=None) -> LineAddForm:
    """The order page's line entry row: a LineAddForm of which only the part, the quantity
    and the order's version are shown (ids `entry_*`, apart from an edit form's)."""
    form = LineAddForm(
        data,
        initial={"version": order.version},
        auto_id="entry_%s",
        tax_rates=[],  # not shown in the row: no query for them
    )
    if not order.line_count:  # a new order: the cursor starts at its first line
        form.fields["part"].widget.attrs["autofocus"] = True
    return form


def line_entry_response(request, *, order: SalesOrder, form, duplicate_line=None):
    """The line entry row again with its errors, for htmx: it replaces the row (the rest of the
    order page stays as it was)."""
    response = render(
        request,
        "salesorders/partials/line_entry_response.html",
        {"order": order, "entry_form": form, "duplicate_line": duplicate_line},
    )
    return reswap(reselect(retarget(response, "#line-entry"), "#line-entry"), "outerHTML")


def warn_of_shortfall(request, line: SalesOrderLine) -> None:
    """A warning (not a refusal) when the part's free stock does not cover the new line."""
    short = selectors.free_stock_shortfall(line)
    if short > 0:
        messages.warning(
            request,
            f"Not enough free stock of {line.part_sku}: "
            f"{format_unit_quantity(short, line.unit)} of the line must wait for stock.",
        )


class LineAddView(SubmitOnceMixin, OrderChildMixin, FormView):
    """Add Line Item: its own page, and the order page's line entry row (htmx posts here;
    a refused row comes back as the row with its errors, an added line as the order page)."""

    form_class = LineAddForm
    template_name = "salesorders/line_form.html"

    def get_form_kwargs(self):
        self.tax_rates = list(TaxRate.objects.filter(active=True))
        return {**super().get_form_kwargs(), "tax_rates": self.tax_rates, **booking_choices()}

    def get_initial(self):
        return {"version": self.order.version, "discount_percent": 0}

    def form_valid(self, form):
        data = form.cleaned_data
        tax = chosen_tax_rate(data["tax_rate"], self.tax_rates)
        try:
            line = services.salesorder_line_add(
                order=self.order,
                part=data["part"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                discount_percent=data["discount_percent"],
                tax_rate=services.UNSET if tax == "default" else tax,
                target_date=data["target_date"],
                notes=data["notes"],
                revenue_account=form.chosen_account() or services.UNSET,
                dimension_values=form.chosen_dimension_values(),
                user=self.request.user,
                expected_version=data["version"],
            )
        except DuplicateLineError as error:
            add_service_error(form, error)
            return self.form_invalid(form, duplicate_line=error.line)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Added {line.part_sku} x {line.quantity.normalize():f} at "
            f"{line.unit_price.normalize():f} ({line.price_source_label}).",
        )
        warn_of_shortfall(self.request, line)
        if "add_another" in self.request.POST:
            return redirect("salesorders:line-add", pk=self.order.pk)
        return redirect(order_url_at(line))

    def form_invalid(self, form, duplicate_line=None):
        if self.request.htmx:
            return line_entry_response(
                self.request, order=self.order, form=form, duplicate_line=duplicate_line
            )
        return self.render_to_response(
            self.get_context_data(form=form, duplicate_line=duplicate_line)
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Add Line Item", **kwargs)


class LinePreviewView(PermissionRequiredMixin, View):
    """GET: the price the order's customer pays for `part` x `quantity` and the part's free
    stock, as the line entry row shows them while one types (a constant number of queries)."""

    http_method_names = ["get", "head"]
    permission_required = "salesorders.change_salesorder"

    def get(self, request, pk):
        order = get_object_or_404(SalesOrder, pk=pk)
        form = LinePreviewForm(request.GET)
        form.is_valid()
        part = form.cleaned_data.get("part")
        preview = None
        if part is not None:
            preview = selectors.line_preview(order, part, form.cleaned_data.get("quantity"))
        context = {"order": order, "preview": preview}
        return render(request, "salesorders/partials/line_preview.html", context)


def line_form_initial(line: SalesOrderLine, order: SalesOrder) -> dict:
    """What the line edit form starts from, inline on the order page or on its own page."""
    return {
        "version": order.version,
        "quantity": _plain(line.quantity),
        "unit_price": _plain(line.unit_price),
        "discount_percent": _plain(line.discount_percent),
        "target_date": line.target_date,
        "notes": line.notes,
        **booking_initial(line),
    }


class LineMixin(OrderChildMixin):
    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.line = get_object_or_404(
            SalesOrderLine.objects.select_related("order", "tax_rate", "revenue_account"),
            pk=kwargs["line_pk"],
            order_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class LineUpdateView(LineMixin, FormView):
    form_class = LineUpdateForm
    template_name = "salesorders/line_form.html"

    def get_form_kwargs(self):
        self.tax_rates = list(TaxRate.objects.filter(active=True))
        return {
            **super().get_form_kwargs(),
            "tax_rates": self.tax_rates,
            "line": self.line,
            **booking_choices(),
        }

    def get_initial(self):
        return line_form_initial(self.line, self.order)

    def form_valid(self, form):
        data = form.cleaned_data
        line = self.line
        tax = chosen_tax_rate(data["tax_rate"], self.tax_rates)
        price = data["unit_price"]
        if price is not None and not line.price_overridden and price == line.unit_price:
            price = services.UNSET  # untouched: keep following the suggested price
        try:
            services.salesorder_line_update(
                line=line,
                user=self.request.user,
                expected_version=data["version"],
                quantity=data["quantity"],
                unit_price=price,
                discount_percent=data["discount_percent"],
                tax_rate=services.UNSET if tax == "default" else tax,
                target_date=data["target_date"],
                notes=data["notes"],
                revenue_account=form.chosen_account(),
                dimension_values=form.chosen_dimension_values(),
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Line {line.part_sku} saved.")
        return redirect(order_url_at(line))

    def form_invalid(self, form):
        if not self.request.htmx:
            return super().form_invalid(form)
        # The order page's inline edit row again, with its errors, in its place.
        line = self.line
        line.form, line.edit_url = form, self.request.path
        context = {"line": line, "order": self.order, "close_edit_href": order_url_at(line)}
        response = render(self.request, "salesorders/partials/line_edit_response.html", context)
        target = f"#line-edit-{line.pk}"
        return reswap(reselect(retarget(response, target), target), "outerHTML")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit line {self.line.part_sku}",
            line=self.line,
            back_url=order_url_at(self.line),
            **kwargs,
        )


class LineDeleteView(LineMixin, View):
    """POST-only: remove a line nothing has been shipped, cancelled or allocated from."""

    http_method_names = ["post"]

    def post(self, request, pk, line_pk):
        # Back to the page of lines the button was on (the removed line's neighbours).
        back = order_url_at(self.line, anchor=False)
        form = posted_action(request)
        if form is None:
            return redirect(back)
        try:
            services.salesorder_line_delete(
                line=self.line, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Removed {self.line.part_sku}.")
        return redirect(back)


# --- extra lines ---------------------------------------------------------------------------


class ExtraTaxMixin:
    def get_form_kwargs(self):
        self.tax_rates = list(TaxRate.objects.filter(active=True))
        kwargs = {"tax_rates": self.tax_rates, "accounts": list(revenue_accounts())}
        if getattr(self, "extra", None) is not None:
            kwargs["extra"] = self.extra
        return {**super().get_form_kwargs(), **kwargs}

    def chosen_tax(self, form):
        tax = chosen_tax_rate(form.cleaned_data["tax_rate"], self.tax_rates)
        return services.STANDARD if tax == "default" else tax


class ExtraLineAddView(SubmitOnceMixin, ExtraTaxMixin, OrderChildMixin, FormView):
    form_class = ExtraLineForm
    template_name = "salesorders/line_form.html"

    def get_initial(self):
        return {"version": self.order.version, "quantity": 1}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.salesorder_extra_line_add(
                order=self.order,
                description=data["description"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                tax_rate=self.chosen_tax(form),
                revenue_account=form.chosen_account() or services.UNSET,
                user=self.request.user,
                expected_version=data["version"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Added {data['description']}.")
        return redirect(self.order)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Add Extra Line", **kwargs)


class ExtraLineMixin(OrderChildMixin):
    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.extra = get_object_or_404(
            SalesOrderExtraLine.objects.select_related("revenue_account"),
            pk=kwargs["extra_pk"],
            order_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class ExtraLineUpdateView(ExtraTaxMixin, ExtraLineMixin, FormView):
    form_class = ExtraLineForm
    template_name = "salesorders/line_form.html"

    @staticmethod
    def tax_initial(extra) -> str:
        """Blank (the standard rate through the rules) when that is how it was taxed."""
        if extra.tax_rule_id or extra.tax_note or (extra.tax_rate and extra.tax_rate.standard):
            return ""
        return str(extra.tax_rate_id) if extra.tax_rate_id else "none"

    def get_initial(self):
        extra = self.extra
        return {
            "version": self.order.version,
            "description": extra.description,
            "quantity": _plain(extra.quantity),
            "unit_price": _plain(extra.unit_price),
            "tax_rate": self.tax_initial(extra),
            "revenue_account": str(extra.revenue_account_id or ""),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.salesorder_extra_line_update(
                extra=self.extra,
                user=self.request.user,
                expected_version=data["version"],
                description=data["description"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                tax_rate=self.chosen_tax(form),
                revenue_account=form.chosen_account(),
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {data['description']}.")
        return redirect(self.order)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit {self.extra.description}", **kwargs)


class ExtraLineDeleteView(ExtraLineMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk, extra_pk):
        form = posted_action(request)
        if form is None:
            return redirect(self.order)
        try:
            services.salesorder_extra_line_delete(
                extra=self.extra, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Removed {self.extra.description}.")
        return redirect(self.order)


# --- settings ------------------------------------------------------------------------------


class SalesOrderSettingsView(PermissionRequiredMixin, UpdateView):
    permission_required = "salesorders.change_salesordersettings"
    form_class = SalesOrderSettingsForm
    template_name = "salesorders/settings_form.html"
    extra_context = {"cancel_url": reverse_lazy("salesorders:list")}

    def get_object(self, queryset=None):
        return SalesOrderSettings.load()

    def form_valid(self, form):
        try:
            services.settings_update(
                reference_pattern=form.cleaned_data["reference_pattern"],
                default_revenue_account=form.cleaned_data["default_revenue_account"],
                user=self.request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_error(form, error)
            else:
                form.add_error("reference_pattern", error.messages)
            return self.form_invalid(form)
        messages.success(self.request, "Order numbering saved.")
        return HttpResponseRedirect(reverse("salesorders:settings"))


class CreditSettingsView(PermissionRequiredMixin, UpdateView):
    """The credit policy (warn only / require Credit Control approval / block): Credit
    Control's, through its own permission."""

    permission_required = "salesorders.credit_salesordersettings"
    form_class = CreditPolicyForm
    template_name = "salesorders/credit_settings.html"
    extra_context = {"cancel_url": reverse_lazy("salesorders:list")}

    def get_object(self, queryset=None):
        return SalesOrderSettings.load()

    def form_valid(self, form):
        services.settings_credit_policy_set(
            policy=form.cleaned_data["credit_policy"], user=self.request.user
        )
        messages.success(self.request, "Credit policy saved.")
        return HttpResponseRedirect(reverse("salesorders:credit-settings"))


# --- service lines: Mark Delivered ------------------------------------------------------------

DELIVER_PERMISSION = "salesorders.deliver_salesorderline"


class LineDeliverView(PermissionRequiredMixin, View):
    """POST-only Mark Delivered on one service line: what is left of it counts as delivered."""

    http_method_names = ["post"]
    permission_required = DELIVER_PERMISSION

    def post(self, request, pk, line_pk):
        line = get_object_or_404(SalesOrderLine, pk=line_pk, order_id=pk)
        back = order_url_at(line)
        form = posted_action(request)
        if form is None:
            return redirect(back)
        try:
            line = services.salesorder_line_deliver(
                line=line, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            delivered = format_unit_quantity(line.shipped_quantity, line.unit)
            messages.success(request, f"{line.part_sku} marked delivered ({delivered} in all).")
        return redirect(back)


class ServicesDeliverView(PermissionRequiredMixin, View):
    """POST-only Mark Delivered for every service line of the order with something left."""

    http_method_names = ["post"]
    permission_required = DELIVER_PERMISSION

    def post(self, request, pk):
        order = get_object_or_404(SalesOrder, pk=pk)
        form = posted_action(request)
        if form is None:
            return redirect(order)
        try:
            lines = services.salesorder_services_deliver(
                order=order, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            names = ", ".join(line.part_sku for line in lines)
            messages.success(request, f"Service lines delivered: {names}.")
        return redirect(order)


# --- attachments ---------------------------------------------------------------------------


class SalesOrderAttachmentAddView(AttachmentAddView):
    """Attach a file to an order: core's upload page, with the order's history line."""

    def add_attachment(self, *, uploaded_file, category):
        return services.salesorder_attachment_add(
            order=self.parent,
            uploaded_file=uploaded_file,
            category=category,
            user=self.request.user,
        )


class SalesOrderAttachmentDeleteView(AttachmentDeleteView):
    def delete_attachment(self, attachment):
        services.salesorder_attachment_delete(
            order=self.parent, attachment=attachment, user=self.request.user
        )
