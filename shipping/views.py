"""Shipping pages. Thin views: each transition is a POST that calls one service and redirects."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from core.exceptions import AlreadyDoneError
from core.lists import CsvExportMixin, FilteredTableView
from core.numbers import plain
from core.once import SubmitOnceMixin
from core.views import report_refusal
from inventory.models import (
    Part,
    StockItem,
    format_per_unit,
    format_unit_quantity,
    quantities_by_unit,
)
from salesorders.forms import posted_action
from salesorders.models import SalesOrder, SalesOrderLine
from salesorders.selectors import order_url_at
from salesorders.views import SalesOrderTransitionView
from shipping import selectors, services
from shipping.exceptions import ShippingError
from shipping.filters import BackorderFilter, ShipmentFilter, filter_errors
from shipping.forms import (
    AllocationForm,
    ChooseLineForm,
    CompleteShipmentForm,
    DeliveredForm,
    NewShipmentForm,
    ShipmentForm,
)
from shipping.models import Allocation, Shipment
from shipping.tables import BackorderTable, ShipmentTable

ZERO = Decimal("0")


def back_to_order(order: SalesOrder) -> HttpResponseRedirect:
    return redirect(f"{order.get_absolute_url()}#shipments")


class OrderShipmentMixin(PermissionRequiredMixin):
    """Loads the order from the URL and, when given, its shipment: another order's is a 404.

    A view that deletes the shipment (`gone_message`) answers a POST for one that no longer
    exists at all with that information instead: the second click of a double click."""

    gone_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.order = get_object_or_404(SalesOrder, pk=kwargs["order_pk"])
        self.shipment = None
        if "pk" in kwargs:
            if self.gone_message and not Shipment.objects.filter(pk=kwargs["pk"]).exists():
                messages.info(request, self.gone_message)
                return back_to_order(self.order)
            self.shipment = get_object_or_404(Shipment, pk=kwargs["pk"], order=self.order)
        return super().dispatch(request, *args, **kwargs)


# --- transitions (POST only) -------------------------------------------------------------------


class ShipmentCreateView(SubmitOnceMixin, OrderShipmentMixin, View):
    http_method_names = ["post"]
    permission_required = "shipping.add_shipment"

    def post(self, request, *args, **kwargs):
        form = NewShipmentForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{form[field].label}: {' '.join(errors)}")
            return back_to_order(self.order)
        try:
            shipment = services.shipment_create(
                order=self.order, user=request.user, **form.cleaned_data
            )
        except ShippingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Shipment {shipment.reference} created.")
        return back_to_order(self.order)


class ShipmentDeleteView(OrderShipmentMixin, View):
    """Delete Shipment: a pending shipment goes, its allocations are released."""

    http_method_names = ["post"]
    permission_required = "shipping.delete_shipment"
    gone_message = "That shipment was already deleted."

    def post(self, request, *args, **kwargs):
        try:
            services.shipment_delete(shipment=self.shipment, user=request.user)
        except ShippingError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"Shipment {self.shipment.reference} deleted.")
        return back_to_order(self.order)


class ShipmentAutoAllocateView(SubmitOnceMixin, OrderShipmentMixin, View):
    """Auto Allocate into a pending shipment: every line, or the posted `line` only (the
    shipment page's per-line button, which comes back to the shipment page)."""

    http_method_names = ["post"]
    permission_required = "shipping.add_allocation"

    def post(self, request, *args, **kwargs):
        line = self.get_line(request.POST)
        try:
            result = services.order_auto_allocate(
                order=self.order, shipment=self.shipment, user=request.user, line=line
            )
        except ShippingError as error:
            messages.error(request, str(error))
        else:
            level = messages.SUCCESS if result.complete else messages.WARNING
            messages.add_message(request, level, result.summary())
            if line is not None:
                return redirect(self.shipment)  # the per-line buttons are on the shipment page
        return back_to_order(self.order)

    def get_line(self, data) -> SalesOrderLine | None:
        """The optional `line` of Auto Allocate: blank is every line; another order's is a 404."""
        value = (data.get("line") or "").strip()
        if not value:
            return None
        if not value.isascii() or not value.isdecimal():
            raise Http404("No such line on this order.")
        return get_object_or_404(SalesOrderLine, pk=int(value), order=self.order)


class ShipmentCompleteView(OrderShipmentMixin, View):
    """Complete Shipment: the allocated stock leaves and counts as shipped."""

    http_method_names = ["post"]
    permission_required = "shipping.complete_shipment"

    def post(self, request, *args, **kwargs):
        form = CompleteShipmentForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Enter the shipped date as a date.")
            return back_to_order(self.order)
        try:
            done = services.shipment_complete(
                shipment=self.shipment, user=request.user, **form.cleaned_data
            )
        except ShippingError as error:
            report_refusal(request, error)
        else:
            tracking = f" (tracking {done.tracking_number})" if done.tracking_number else ""
            messages.success(request, f"Shipment {done.reference} shipped{tracking}.")
        return back_to_order(self.order)


class ShipmentDeliverView(OrderShipmentMixin, View):
    """Mark Delivered: a shipped shipment gets its delivery date (blank: today)."""

    http_method_names = ["post"]
    permission_required = "shipping.change_shipment"

    def post(self, request, *args, **kwargs):
        form = DeliveredForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                "Enter the delivery date as a date (YYYY-MM-DD), or leave it blank for today.",
            )
            return redirect(self.shipment)
        try:
            services.shipment_mark_delivered(
                shipment=self.shipment,
                user=request.user,
                delivery_date=form.cleaned_data["delivery_date"],
            )
        except AlreadyDoneError as error:
            report_refusal(request, error)
            return redirect(self.shipment)
        except ShippingError as error:
            messages.error(request, str(error))
            return back_to_order(self.order)
        messages.success(request, f"Shipment {self.shipment.reference} marked delivered.")
        return redirect(self.shipment)


class AllocationDeleteView(OrderShipmentMixin, View):
    http_method_names = ["post"]
    permission_required = "shipping.delete_allocation"
    gone_message = "That allocation was already removed."

    def post(self, request, *args, **kwargs):
        if not Allocation.objects.filter(pk=kwargs["allocation_pk"]).exists():
            messages.info(request, "That allocation was already removed.")
            return back_to_order(self.order)
        allocation = get_object_or_404(
            Allocation.objects.select_related("line", "stock_item"),
            pk=kwargs["allocation_pk"],
            shipment=self.shipment,
        )
        try:
            services.allocation_delete(allocation=allocation, user=request.user)
        except ShippingError as error:
            report_refusal(request, error)
        else:
            messages.success(
                request,
                f"Released {format_unit_quantity(allocation.quantity, allocation.line.unit)} of "
                f"{allocation.line.part_sku} "
                f"from stock item #{allocation.stock_item_id}.",
            )
        return back_to_order(self.order)


# --- Allocate Stock (works without JavaScript: GET ?line=..., then POST) -----------------------


class AllocateStockView(SubmitOnceMixin, OrderShipmentMixin, TemplateView):
    permission_required = "shipping.add_allocation"
    template_name = "shipping/allocate.html"

    def get_line(self, source) -> SalesOrderLine | None:
        """The posted or asked `line`; none asked: the first line still needing stock, else
        the only line."""
        value = source.get("line")
        if not value:
            first = self.order.lines.unallocated().order_by("sort_order", "pk").first()
            if first is not None:
                return first
            lines = list(self.order.lines.all()[:2])
            return lines[0] if len(lines) == 1 else None
        try:
            return self.order.lines.get(pk=int(value))
        except (ValueError, SalesOrderLine.DoesNotExist):
            raise Http404("No such line on this order.") from None

    def get(self, request, *args, **kwargs):
        line = self.get_line(request.GET)
        form = None
        if line is not None:
            initial = {"shipment": self.shipment.pk}
            allocatable = StockItem.objects.allocatable(part=line.part)
            item_pk = request.GET.get("stock_item")
            item = None
            if item_pk and item_pk.isascii() and item_pk.isdecimal():  # not "²"
                item = allocatable.filter(pk=item_pk).first()
            elif "stock_item" not in request.GET:
                item = allocatable.first()  # the suggestion: the oldest stock first
            if item is not None:
                initial["stock_item"] = item.pk
                initial["quantity"] = plain(
                    max(min(line.unallocated_quantity, item.available), ZERO)
                )
            form = AllocationForm(order=self.order, line=line, initial=initial)
        return self.render_to_response(self.get_context_data(line=line, form=form))

    def post(self, request, *args, **kwargs):
        line = self.get_line(request.POST)
        if line is None:
            raise Http404("Choose a line first.")
        form = AllocationForm(request.POST, order=self.order, line=line)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.allocation_create(
                    line=line,
                    stock_item=data["stock_item"],
                    shipment=data["shipment"],
                    quantity=data["quantity"],
                    user=request.user,
                )
            except ShippingError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Allocated {format_unit_quantity(data['quantity'], line.unit)} of "
                    f"{line.part_sku} from stock item #{data['stock_item'].pk} to shipment "
                    f"{data['shipment'].reference}.",
                )
                if "another" in request.POST:
                    url = reverse(
                        "shipping:shipment-allocate", args=[self.order.pk, data["shipment"].pk]
                    )
                    return redirect(f"{url}?line={line.pk}")
                return back_to_order(self.order)
        return self.render_to_response(self.get_context_data(line=line, form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            order=self.order,
            shipment=self.shipment,
            line_form=ChooseLineForm(
                order=self.order, initial={"line": getattr(kwargs.get("line"), "pk", None)}
            ),
        )
        return context


class ShipmentUpdateView(OrderShipmentMixin, FormView):
    permission_required = "shipping.change_shipment"
    form_class = ShipmentForm
    template_name = "shipping/shipment_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.shipment}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.shipment_update(shipment=self.shipment, user=self.request.user, **data)
        except ShippingError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Shipment {self.shipment.reference} saved.")
        return redirect(self.shipment)

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.order, shipment=self.shipment, **kwargs)


# --- lists and pages ---------------------------------------------------------------------------


class BackorderListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = "shipping.view_shipment"
    table_class = BackorderTable
    filterset_class = BackorderFilter
    template_name = "shipping/backorders.html"
    export_name = "backorders"

    def get_queryset(self):
        return selectors.backorder_lines()

    def render_to_response(self, context, **response_kwargs):
        """A filter that does not parse is a 400 saying why, not a quietly empty list (or CSV)."""
        if self.filterset.is_bound and not self.filterset.is_valid():
            message = f"Check the filter. {filter_errors(self.filterset)}"
            return self.refuse(context, message, **response_kwargs)
        return super().render_to_response(context, **response_kwargs)


class BackordersAutoAllocateView(SubmitOnceMixin, PermissionRequiredMixin, View):
    """Auto Allocate the orders the Backorders filter shows, in priority order.

    It may open shipments, so it needs both permissions."""

    http_method_names = ["post"]
    permission_required = ["shipping.add_allocation", "shipping.add_shipment"]

    def post(self, request, *args, **kwargs):
        filterset = BackorderFilter(request.POST, queryset=selectors.backorder_lines())
        query = request.POST.copy()
        query.pop("csrfmiddlewaretoken", None)
        back = redirect(reverse("shipping:backorders") + (f"?{query.urlencode()}" if query else ""))
        if not filterset.is_valid():
            # The list it goes back to says what is wrong with the filter.
            messages.error(request, "Nothing was allocated: fix the filter first.")
            return back
        order_pks = list(filterset.qs.values_list("order_id", flat=True).distinct())
        part_text = filterset.form.cleaned_data.get("part")
        parts = (
            list(Part.objects.matching(part_text).values_list("pk", flat=True))
            if part_text
            else None
        )
        results = services.backorders_auto_allocate(
            user=request.user, orders=order_pks, parts=parts
        )
        if not results:
            messages.info(request, "No stock could be allocated to these backorders.")
        else:
            total = quantities_by_unit(
                (unit, quantity)
                for r in results
                for unit, quantity in r.allocated_by_unit().items()
            )
            short = sum(1 for r in results if not r.complete)
            messages.success(
                request,
                f"Allocated {format_per_unit(total)} to {len(results)} order(s) in priority order"
                + (f"; {short} still short of stock." if short else "."),
            )
        return back


class ShipmentListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = "shipping.view_shipment"
    table_class = ShipmentTable
    filterset_class = ShipmentFilter
    template_name = "shipping/shipment_list.html"
    export_name = "shipments"

    def get_queryset(self):
        return (
            Shipment.objects.select_related("order")
            .order_by("-pk")
            .annotate(allocation_count=Count("allocations"))
        )


class ShipmentDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "shipping.view_shipment"
    template_name = "shipping/shipment_detail.html"
    context_object_name = "shipment"

    def get_queryset(self):
        return selectors.shipment_page_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = selectors.shipment_page(self.object)
        context.update(
            order=page.order,
            allocations=page.allocations,
            totals=page.totals,
            open_lines=page.open_lines,
            delivered_form=DeliveredForm(),
        )
        return context


class PackingSlipView(ShipmentDetailView):
    template_name = "shipping/packing_slip.html"


class PickListView(PermissionRequiredMixin, DetailView):
    """A printable pick list of the shipment: its allocations grouped by stock location."""

    permission_required = "shipping.view_shipment"
    template_name = "shipping/pick_list.html"
    context_object_name = "shipment"

    def get_queryset(self):
        return selectors.shipment_page_queryset()

    def get_context_data(self, **kwargs):
        page = selectors.shipment_page(self.object)
        return super().get_context_data(
            order=page.order,
            groups=selectors.shipment_pick_list(page),
            allocation_count=len(page.allocations),
            **kwargs,
        )


class DeliveryNoteView(PickListView):
    """A printable delivery note: each line of the order ordered / shipped / backordered."""

    template_name = "shipping/delivery_note.html"

    def get_context_data(self, **kwargs):
        page = selectors.shipment_page(self.object)
        return super(PickListView, self).get_context_data(
            order=page.order, rows=selectors.shipment_delivery_note(page), **kwargs
        )


# --- cancelling an order or a line's remainder: shipping releases the stock first -------------


class SalesOrderCancelView(SalesOrderTransitionView):
    """Cancel Order: its pending shipments' stock is released and they are deleted, then the
    order is cancelled (shipping's service; the button, permission and message are the
    lifecycle table's)."""

    action = "cancel"
    pk_url_kwarg = "order_pk"

    def run(self, order, *, version: int, reason: str) -> None:
        services.salesorder_cancel(
            order=order, user=self.request.user, reason=reason, expected_version=version
        )


class SalesOrderLineCancelRemainingView(PermissionRequiredMixin, View):
    """Cancel Remaining of one line: its allocations are released, the unshipped rest is
    cancelled. Cancelling ordered quantity is a cancellation: the permission of Cancel Order."""

    http_method_names = ["post"]
    permission_required = SalesOrder.TRANSITIONS["cancel"].permission

    def post(self, request, order_pk, line_pk):
        line = get_object_or_404(SalesOrderLine, pk=line_pk, order_id=order_pk)
        back = order_url_at(line)
        form = posted_action(request)
        if form is None:
            return redirect(back)
        try:
            services.salesorderline_cancel_remaining(
                line=line, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Cancelled the rest of {line.part_sku}.")
        return redirect(back)
