"""Shipping pages. Thin views: each transition is a POST that calls one service and redirects."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from core.lists import CsvExportMixin, FilteredTableView
from inventory.models import QUANTITY, Part, StockItem, usable_stock_q
from salesorders.models import BACKORDER_STATUSES, OPEN_LINE, SalesOrder, SalesOrderLine
from shipping import services
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
                line = self.get_line(request.POST)
                result = services.order_auto_allocate(
                    order=self.order, shipment=shipment, user=user, line=line
                )
                level = messages.SUCCESS if result.complete else messages.WARNING
                messages.add_message(request, level, result.summary())
                if line is not None:
                    return redirect(shipment)  # the per-line buttons are on the shipment page
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
                if not form.is_valid():
                    messages.error(
                        request,
                        "Enter the delivery date as a date (YYYY-MM-DD), or leave it blank for "
                        "today.",
                    )
                    return redirect(shipment)
                date = form.cleaned_data["delivery_date"]
                services.shipment_mark_delivered(shipment=shipment, user=user, delivery_date=date)
                messages.success(request, f"Shipment {shipment.reference} marked delivered.")
                return redirect(shipment)
        except ShippingError as error:
            messages.error(request, str(error))
        return back_to_order(self.order)

    def get_line(self, data) -> SalesOrderLine | None:
        """The optional `line` of Auto Allocate: blank is every line; another order's is a 404."""
        value = (data.get("line") or "").strip()
        if not value:
            return None
        if not value.isascii() or not value.isdecimal():
            raise Http404("No such line on this order.")
        return get_object_or_404(SalesOrderLine, pk=int(value), order=self.order)


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
            if item_pk and item_pk.isascii() and item_pk.isdecimal():  # not "²"
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

    def render_to_response(self, context, **response_kwargs):
        """A filter that does not parse is a 400 saying why, not a quietly empty list (or CSV)."""
        if self.filterset.is_bound and not self.filterset.is_valid():
            message = f"Check the filter. {filter_errors(self.filterset)}"
            return self.refuse(context, message, **response_kwargs)
        return super().render_to_response(context, **response_kwargs)


class BackordersAutoAllocateView(PermissionRequiredMixin, View):
    """Auto Allocate the orders the Backorders filter shows, in priority order.

    It may open shipments, so it needs both permissions."""

    http_method_names = ["post"]
    permission_required = ["shipping.add_allocation", "shipping.add_shipment"]

    def post(self, request, *args, **kwargs):
        filterset = BackorderFilter(request.POST, queryset=backorder_lines())
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
            total = sum((r.allocated_quantity for r in results), ZERO)
            short = sum(1 for r in results if not r.complete)
            messages.success(
                request,
                f"Allocated {services.qty(total)} to {len(results)} order(s) in priority order"
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


def shipment_page_queryset():
    return Shipment.objects.select_related("order", "shipped_by", "created_by").prefetch_related(
        "allocations__stock_item__location", "allocations__line"
    )


OPEN_LINES_SHOWN = 100


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
            open_lines=self.open_lines(),
        )
        return context

    def open_lines(self) -> list[SalesOrderLine]:
        """Lines still to allocate, for the per-line Auto Allocate of a pending shipment."""
        shipment = self.object
        if shipment.status != Shipment.Status.PENDING:
            return []
        unallocated = Q(
            quantity__gt=F("shipped_quantity") + F("cancelled_quantity") + F("allocated_quantity")
        )
        # A page's worth: a 1,000-line order uses Auto Allocate on the order page for the rest.
        lines = shipment.order.lines.filter(unallocated).order_by("sort_order", "pk")
        return list(lines[:OPEN_LINES_SHOWN])


class PackingSlipView(ShipmentDetailView):
    template_name = "shipping/packing_slip.html"
