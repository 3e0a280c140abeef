"""Sales-order pages. Thin: every write goes through salesorders.services."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, UpdateView

from core.forms import add_service_error
from core.lists import CsvExportMixin, FilteredTableView
from core.numbers import plain as _plain
from inventory.models import TaxRate
from salesorders import services
from salesorders.exceptions import DuplicateLineError
from salesorders.filters import SalesOrderFilter
from salesorders.forms import (
    ExtraLineForm,
    LineAddForm,
    LineUpdateForm,
    ReasonForm,
    SalesOrderCreateForm,
    SalesOrderSettingsForm,
    SalesOrderUpdateForm,
    chosen_tax_rate,
)
from salesorders.models import (
    DeliveryState,
    OrderFacts,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderSettings,
)
from salesorders.tables import SalesOrderTable

ACTION_PERMISSIONS = {
    "issue": "salesorders.change_salesorder",
    "hold": "salesorders.change_salesorder",
    "release": "salesorders.change_salesorder",
    "complete": "salesorders.complete_salesorder",
    "cancel": "salesorders.cancel_salesorder",
}
ACTION_LABELS = {
    "issue": "Issue Order",
    "hold": "Hold Order",
    "release": "Release",
    "complete": "Complete Order",
    "cancel": "Cancel Order",
}
HISTORY_LIMIT = 100
LINES_PER_PAGE = 100


def _posted_action(request) -> ReasonForm | None:
    """The version (and reason) a POST-only action carries, or None after saying what is wrong:
    an action without the version it was shown at could undo someone else's change."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        return form
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return None


# --- list and create -----------------------------------------------------------------------


class SalesOrderListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = "salesorders.view_salesorder"
    model = SalesOrder
    table_class = SalesOrderTable
    filterset_class = SalesOrderFilter
    template_name = "salesorders/order_list.html"
    export_name = "sales-orders"

    def get_queryset(self):
        return SalesOrder.objects.for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        keep = [(k, v) for k in ("status", "customer") for v in self.request.GET.getlist(k) if v]
        context["calendar_query"] = urlencode(keep)
        return context


class SalesOrderCreateView(PermissionRequiredMixin, FormView):
    permission_required = "salesorders.add_salesorder"
    form_class = SalesOrderCreateForm
    template_name = "salesorders/order_form.html"

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
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Sales order {order.reference} created.")
        return redirect(order)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="New Sales Order", **kwargs)


# --- the order page ------------------------------------------------------------------------


# Allocations listed per shipment on the order page; the shipment's own page lists them all.
SHIPMENT_ROWS_SHOWN = 25


def order_page_queryset():
    """The order and everything its page shows but the lines, in a constant number of queries.

    The lines are read a page at a time (SalesOrderDetailView) and the delivery state is one
    aggregate over them, so the number of lines costs neither queries nor rendering. Each
    shipment brings its allocation count and its first SHIPMENT_ROWS_SHOWN allocations, so a
    shipment of hundreds of items costs what a small one does. Shipments are reached through
    the reverse relations (this app does not import shipping)."""
    shipment_model = SalesOrder._meta.get_field("shipments").related_model
    allocation_model = shipment_model._meta.get_field("allocations").related_model
    shipments = shipment_model.objects.annotate(allocation_count=Count("allocations"))
    first_allocations = allocation_model.objects.select_related(
        "stock_item__location", "line"
    ).order_by("line__sort_order", "line_id", "pk")[:SHIPMENT_ROWS_SHOWN]
    return (
        SalesOrder.objects.select_related(
            "customer", "contact", "salesperson", "created_by", "updated_by", "issued_by"
        )
        .with_delivery_state()
        .prefetch_related(
            "extra_lines",
            Prefetch("shipments", queryset=shipments),
            Prefetch("shipments__allocations", first_allocations, to_attr="first_allocations"),
        )
    )


def page_facts(order: SalesOrder, line_count: int) -> OrderFacts:
    """The lifecycle facts of an order from `order_page_queryset()`: no queries."""
    return OrderFacts(
        line_count=line_count,
        shipped_anything=order.delivery_state != DeliveryState.NOT_SHIPPED,
        delivery_state=order.delivery_state,
        has_pending_shipment=any(s.status == "pending" for s in order.shipments.all()),
        customer_active=order.customer.active,
    )


def line_url_maker(name: str, order_pk: int) -> Callable[[int], str]:
    """Build the URL `name` of any line of the order: one reverse() for a whole page of lines."""
    marker = "987654321"
    head, tail = reverse(name, args=[order_pk, marker]).rsplit(marker, 1)
    return lambda line_pk: f"{head}{line_pk}{tail}"


def order_url_at(line: SalesOrderLine, *, anchor: bool = True) -> str:
    """The order page that shows `line` (its page of lines), scrolled to it: one count query."""
    before = SalesOrderLine.objects.filter(
        Q(sort_order__lt=line.sort_order) | Q(sort_order=line.sort_order, pk__lt=line.pk),
        order_id=line.order_id,
    ).count()
    url = reverse("salesorders:detail", args=[line.order_id])
    page = before // LINES_PER_PAGE + 1
    if page > 1:
        url += "?" + urlencode({"lines_page": page})
    return f"{url}#line-{line.pk}" if anchor else url


class SalesOrderDetailView(PermissionRequiredMixin, DetailView):
    """The order page. Lines are shown LINES_PER_PAGE at a time (`?lines_page=N`), each with
    an Edit link to its own page and buttons of one shared form (a string format per line,
    not a form): 10 lines or 1,000 render in about the same time. The totals shown are
    those stored on the order."""

    permission_required = "salesorders.view_salesorder"
    template_name = "salesorders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return order_page_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        user = self.request.user
        paginator = Paginator(
            SalesOrderLine.objects.filter(order=order).order_by("sort_order", "pk"),
            LINES_PER_PAGE,
        )
        lines_page = paginator.get_page(self.request.GET.get("lines_page"))
        facts = page_facts(order, paginator.count)
        actions = []
        for action in SalesOrder.TRANSITIONS:
            if not user.has_perm(ACTION_PERMISSIONS[action]):
                continue
            if order.transition_refusal(action, facts) is None:
                actions.append({"name": action, "label": ACTION_LABELS[action]})
        events = list(
            SalesOrderEvent.objects.filter(order=order).select_related("user")[:HISTORY_LIMIT]
        )
        can_edit = not order.is_read_only and user.has_perm("salesorders.change_salesorder")
        # Cancelling ordered quantity is a cancellation: the same permission as Cancel Order.
        can_cancel_remaining = (
            can_edit
            and user.has_perm(ACTION_PERMISSIONS["cancel"])
            and order.status in (SalesOrder.Status.ISSUED, SalesOrder.Status.ON_HOLD)
        )
        lines = list(lines_page.object_list)
        editing = None
        if can_edit:
            # Edit opens the form inline, in the line's place, one line at a time (`?edit=<pk>`);
            # it posts to the line's edit page, which comes back here.
            query = self.request.GET.copy()
            edit_pk = query.pop("edit", [""])[-1]
            query["lines_page"] = lines_page.number
            edit_href = f"?{query.urlencode()}&edit={{pk}}#line-{{pk}}"
            editing = next((line for line in lines if str(line.pk) == edit_pk), None)
            if editing is not None:
                editing.form = LineUpdateForm(
                    initial=line_form_initial(editing, order),
                    tax_rates=list(TaxRate.objects.filter(active=True)),
                )
                context["close_edit_href"] = f"?{query.urlencode()}#line-{editing.pk}"
            edit_url = line_url_maker("salesorders:line-update", order.pk)
            remove_url = line_url_maker("salesorders:line-delete", order.pk)
            cancel_url = line_url_maker("salesorders:line-cancel-remaining", order.pk)
            for line in lines:
                line.edit_url = edit_url(line.pk)
                line.inline_edit_href = edit_href.format(pk=line.pk)
                untouched = not (
                    line.shipped_quantity or line.cancelled_quantity or line.allocated_quantity
                )
                line.remove_url = remove_url(line.pk) if untouched else ""
                line.cancel_remaining_url = (
                    cancel_url(line.pk)
                    if can_cancel_remaining and line.remaining_quantity > 0
                    else ""
                )
        context.update(
            lines=lines,
            lines_page=lines_page,
            line_count=paginator.count,
            extra_lines=list(order.extra_lines.all()),
            events=events,
            actions=actions,
            can_edit=can_edit,
            editing=editing,
            is_overdue=order.is_overdue(),
        )
        return context


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
        return context


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
    """POST-only: run one lifecycle action through its service."""

    http_method_names = ["post"]
    action = ""

    def get_permission_required(self):
        return [ACTION_PERMISSIONS[self.action]]

    def post(self, request, pk):
        order = get_object_or_404(SalesOrder, pk=pk)
        form = _posted_action(request)
        if form is None:
            return redirect(order)
        kwargs = {
            "order": order,
            "user": request.user,
            "expected_version": form.cleaned_data["version"],
        }
        if self.action in ("hold", "release", "cancel"):
            kwargs["reason"] = form.cleaned_data["reason"]
        service = {
            "issue": services.salesorder_issue,
            "hold": services.salesorder_hold,
            "release": services.salesorder_release,
            "complete": services.salesorder_complete,
            "cancel": services.salesorder_cancel,
        }[self.action]
        try:
            service(**kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{order.reference} {SalesOrder.ACTION_VERBS[self.action]}.")
        return redirect(order)


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


class LineAddView(OrderChildMixin, FormView):
    form_class = LineAddForm
    template_name = "salesorders/line_form.html"

    def get_form_kwargs(self):
        self.tax_rates = list(TaxRate.objects.filter(active=True))
        return {**super().get_form_kwargs(), "tax_rates": self.tax_rates}

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
                user=self.request.user,
                expected_version=data["version"],
            )
        except DuplicateLineError as error:
            add_service_error(form, error)
            return self.render_to_response(
                self.get_context_data(form=form, duplicate_line=error.line)
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Added {line.part_sku} x {line.quantity.normalize():f} at "
            f"{line.unit_price.normalize():f} ({line.price_source_label}).",
        )
        return redirect(order_url_at(line))

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Add Line Item", **kwargs)


def line_form_initial(line: SalesOrderLine, order: SalesOrder) -> dict:
    """What the line edit form starts from, inline on the order page or on its own page."""
    return {
        "version": order.version,
        "quantity": _plain(line.quantity),
        "unit_price": _plain(line.unit_price),
        "discount_percent": _plain(line.discount_percent),
        "target_date": line.target_date,
        "notes": line.notes,
    }


class LineMixin(OrderChildMixin):
    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.line = get_object_or_404(
            SalesOrderLine.objects.select_related("order", "tax_rate"),
            pk=kwargs["line_pk"],
            order_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class LineUpdateView(LineMixin, FormView):
    form_class = LineUpdateForm
    template_name = "salesorders/line_form.html"

    def get_form_kwargs(self):
        self.tax_rates = list(TaxRate.objects.filter(active=True))
        return {**super().get_form_kwargs(), "tax_rates": self.tax_rates}

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
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Line {line.part_sku} saved.")
        return redirect(order_url_at(line))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit line {self.line.part_sku}",
            line=self.line,
            back_url=order_url_at(self.line),
            **kwargs,
        )


class LineActionView(LineMixin, View):
    """POST-only: remove a line, or cancel its remaining quantity."""

    http_method_names = ["post"]
    action = ""

    def get_permission_required(self):
        if self.action == "cancel_remaining":
            return [ACTION_PERMISSIONS["cancel"]]
        return super().get_permission_required()

    def post(self, request, pk, line_pk):
        # Back to the page of lines the button was on (a removed line's neighbours).
        back = order_url_at(self.line, anchor=self.action != "delete")
        form = _posted_action(request)
        if form is None:
            return redirect(back)
        version = form.cleaned_data["version"]
        try:
            if self.action == "delete":
                services.salesorder_line_delete(
                    line=self.line, user=request.user, expected_version=version
                )
                messages.success(request, f"Removed {self.line.part_sku}.")
            else:
                services.salesorder_line_cancel_remaining(
                    line=self.line, user=request.user, expected_version=version
                )
                messages.success(request, f"Cancelled the rest of {self.line.part_sku}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(back)


# --- extra lines ---------------------------------------------------------------------------


class ExtraLineAddView(OrderChildMixin, FormView):
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
                tax_rate=data["tax_rate"],
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
            SalesOrderExtraLine, pk=kwargs["extra_pk"], order_id=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)


class ExtraLineUpdateView(ExtraLineMixin, FormView):
    form_class = ExtraLineForm
    template_name = "salesorders/line_form.html"

    def get_initial(self):
        extra = self.extra
        return {
            "version": self.order.version,
            "description": extra.description,
            "quantity": _plain(extra.quantity),
            "unit_price": _plain(extra.unit_price),
            "tax_rate": extra.tax_rate_id,
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
                tax_rate=data["tax_rate"],
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
        form = _posted_action(request)
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

    def get_object(self, queryset=None):
        return SalesOrderSettings.load()

    def form_valid(self, form):
        try:
            services.settings_update(
                reference_pattern=form.cleaned_data["reference_pattern"], user=self.request.user
            )
        except ValidationError as error:
            form.add_error("reference_pattern", error.messages)
            return self.form_invalid(form)
        messages.success(self.request, "Order numbering saved.")
        return HttpResponseRedirect(reverse("salesorders:settings"))
