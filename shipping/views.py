"""Shipping pages. Thin views: each transition is a POST that calls one service and redirects."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from config.lists import CsvExportMixin, FilteredTableView
from inventory.models import QUANTITY, Part, StockItem, usable_stock_q
from salesorders.models import BACKORDER_STATUSES, OPEN_LINE, SalesOrder, SalesOrderLine
from shipping import services
from shipping.exceptions import ShippingError
from shipping.filters import BackorderFilter, ShipmentFilter
from shipping.forms import (
    AllocationForm,
    ChooseLineForm,
    CompleteShipmentForm,
    DeliveredForm,
    ShipmentForm,
)
from shipping.models import Allocation, Shipment
from shipping.tables import BackorderTable, ShipmentTable

ZERO = Decimal("0")


def back_to_order(order: SalesOrder) -> HttpResponseRedirect:
    return redirect(f"{order.get_absolute_url()}#shipments")


class OrderShipmentMixin(PermissionRequiredMixin):
    """Loads the order from the URL and, when given, its shipment: another order's is a 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.order = get_object_or_404(SalesOrder, pk=kwargs["order_pk"])
        self.shipment = None
        if "pk" in kwargs:
            self.shipment = get_object_or_404(Shipment, pk=kwargs["pk"], order=self.order)
        return super().dispatch(request, *args, **kwargs)


# --- transitions (POST only) -------------------------------------------------------------------


class ShipmentCreateView(OrderShipmentMixin, View):
    http_method_names = ["post"]
    permission_required = "shipping.add_shipment"

    def post(self, request, *args, **kwargs):
        try:
            shipment = services.shipment_create(
                order=self.order,
                user=request.user,
                carrier=request.POST.get("carrier", ""),
                reference=request.POST.get("reference", ""),
            )
        except ShippingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Shipment {shipment.reference} created.")
        return back_to_order(self.order)


class ShipmentActionView(OrderShipmentMixin, View):
    """Delete, Auto Allocate, Complete Shipment, mark delivered: one service each."""

    http_method_names = ["post"]
    action = ""
    PERMISSIONS = {
        "delete": "shipping.delete_shipment",
        "auto_allocate": "shipping.add_allocation",
        "complete": "shipping.complete_shipment",
        "deliver": "shipping.change_shipment",
    }

    def get_permission_required(self):
        return [self.PERMISSIONS[self.action]]

    def post(self, request, *args, **kwargs):
        shipment, user = self.shipment, request.user
        try:
            if self.action == "delete":
                services.shipment_delete(shipment=shipment, user=user)
                messages.success(request, f"Shipment {shipment.reference} deleted.")
            elif self.action == "auto_allocate":
                result = services.order_auto_allocate(
                    order=self.order, shipment=shipment, user=user
                )
                level = messages.SUCCESS if result.complete else messages.WARNING
                messages.add_message(request, level, result.summary())
            elif self.action == "complete":
                form = CompleteShipmentForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "Enter the shipped date as a date.")
                    return back_to_order(self.order)
                done = services.shipment_complete(shipment=shipment, user=user, **form.cleaned_data)
                tracking = f" (tracking {done.tracking_number})" if done.tracking_number else ""
                messages.success(request, f"Shipment {done.reference} shipped{tracking}.")
            elif self.action == "deliver":
                form = DeliveredForm(request.POST)
                date = form.cleaned_data.get("delivery_date") if form.is_valid() else None
                services.shipment_mark_delivered(shipment=shipment, user=user, delivery_date=date)
                messages.success(request, f"Shipment {shipment.reference} marked delivered.")
                return redirect(shipment)
        except ShippingError as error:
            messages.error(request, str(error))
        return back_to_order(self.order)


class AllocationDeleteView(OrderShipmentMixin, View):
    http_method_names = ["post"]
    permission_required = "shipping.delete_allocation"

    def post(self, request, *args, **kwargs):
        allocation = get_object_or_404(
            Allocation.objects.select_related("line", "stock_item"),
            pk=kwargs["allocation_pk"],
            shipment=self.shipment,
        )
        try:
            services.allocation_delete(allocation=allocation, user=request.user)
        except ShippingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Released {services.qty(allocation.quantity)} of {allocation.line.part_sku} "
                f"from stock item #{allocation.stock_item_id}.",
            )
        return back_to_order(self.order)


# --- Allocate Stock (works without JavaScript: GET ?line=..., then POST) -----------------------


class AllocateStockView(OrderShipmentMixin, TemplateView):
    permission_required = "shipping.add_allocation"
    template_name = "shipping/allocate.html"

    def get_line(self, source) -> SalesOrderLine | None:
        value = source.get("line")
        if not value:
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
            item_pk = request.GET.get("stock_item")
            if item_pk and item_pk.isdigit():
                item = StockItem.objects.allocatable(part=line.part).filter(pk=item_pk).first()
                if item is not None:
                    initial["stock_item"] = item.pk
                    initial["quantity"] = max(min(line.unallocated_quantity, item.available), ZERO)
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
                    f"Allocated {services.qty(data['quantity'])} {line.unit} of {line.part_sku} "
                    f"from stock item #{data['stock_item'].pk} to shipment "
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


def backorder_lines():
    """Open remainders of Issued and On Hold orders, with the part's available stock."""
    available = (
        StockItem.objects.filter(usable_stock_q(), part=OuterRef("part"))
        .order_by()
        .values("part")
        .annotate(total=Sum(F("quantity") - F("allocated_quantity")))
        .values("total")
    )
    remaining = ExpressionWrapper(
        F("quantity") - F("shipped_quantity") - F("cancelled_quantity"),
        output_field=DecimalField(**QUANTITY),
    )
    return (
        SalesOrderLine.objects.filter(OPEN_LINE, order__status__in=BACKORDER_STATUSES)
        .annotate(remaining=remaining)
        .annotate(
            part_available=Coalesce(
                Subquery(available, output_field=DecimalField(**QUANTITY)), ZERO
            )
        )
        .select_related("order")
    )


class BackorderListView(PermissionRequiredMixin, CsvExportMixin, FilteredTableView):
    permission_required = "shipping.view_shipment"
    table_class = BackorderTable
    filterset_class = BackorderFilter
    template_name = "shipping/backorders.html"
    export_name = "backorders"

    def get_queryset(self):
        return backorder_lines()


class BackordersAutoAllocateView(PermissionRequiredMixin, View):
    """Auto Allocate the orders the Backorders filter shows, in priority order."""

    http_method_names = ["post"]
    permission_required = "shipping.add_allocation"

    def post(self, request, *args, **kwargs):
        filterset = BackorderFilter(request.POST, queryset=backorder_lines())
        lines = filterset.qs if filterset.is_valid() else backorder_lines()
        order_pks = list(lines.values_list("order_id", flat=True).distinct())
        part_text = filterset.form.cleaned_data.get("part") if filterset.is_valid() else ""
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
            total = sum((r.allocated_quantity for r in results), ZERO)
            short = sum(1 for r in results if not r.complete)
            messages.success(
                request,
                f"Allocated {services.qty(total)} to {len(results)} order(s) in priority order"
                + (f"; {short} still short of stock." if short else "."),
            )
        query = filterset.form.data.urlencode() if hasattr(filterset.form.data, "urlencode") else ""
        query = "&".join(p for p in query.split("&") if not p.startswith("csrfmiddlewaretoken"))
        return redirect(reverse("shipping:backorders") + (f"?{query}" if query else ""))


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


def shipment_page_queryset():
    return Shipment.objects.select_related("order", "shipped_by", "created_by").prefetch_related(
        "allocations__stock_item__location", "allocations__line"
    )


class ShipmentDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "shipping.view_shipment"
    template_name = "shipping/shipment_detail.html"
    context_object_name = "shipment"

    def get_queryset(self):
        return shipment_page_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocations = list(self.object.allocations.all())
        context.update(
            order=self.object.order,
            allocations=allocations,
            total=sum((a.quantity for a in allocations), ZERO),
            delivered_form=DeliveredForm(),
        )
        return context


class PackingSlipView(ShipmentDetailView):
    template_name = "shipping/packing_slip.html"
