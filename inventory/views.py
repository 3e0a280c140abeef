from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import CreateView, DetailView, FormView, UpdateView
from django_tables2 import RequestConfig

from core.forms import add_service_error
from core.lists import CappedPaginator, FilteredTableView
from core.numbers import format_quantity, plain
from core.once import SubmitOnceMixin
from core.pickers import PickerSearchView
from inventory import services
from inventory.filters import PartFilter, StockItemFilter
from inventory.forms import (
    AdjustQuantityForm,
    ChangeStatusForm,
    MoveStockForm,
    PartForm,
    PriceBreakFormSet,
    ReceiveStockForm,
)
from inventory.models import Part, StockItem, StockMovement
from inventory.selectors import holding_orders
from inventory.tables import PartMovementTable, PartTable, StockItemTable, StockMovementTable

DETAIL_STOCK_ITEMS = 25  # a part page shows this many stock items; the stock list has them all
DETAIL_MOVEMENTS = 25  # and its latest movements; each stock item's page lists all of its own


class PartListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "inventory.view_part"
    table_class = PartTable
    filterset_class = PartFilter
    template_name = "inventory/part_list.html"

    def get_queryset(self):
        return Part.objects.with_stock()


class PartDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "inventory.view_part"
    template_name = "inventory/part_detail.html"

    def get_queryset(self):
        return (
            Part.objects.with_stock()
            .with_stock_item_count()
            .select_related("default_tax_rate")
            .prefetch_related("price_breaks")
        )

    def get_context_data(self, **kwargs):
        part = self.object
        kwargs["list_prices"] = list(
            part.list_prices.filter(price_list__active=True)
            .select_related("price_list", "price_list__customer")
            .order_by("price_list__currency", "price_list__name", "min_quantity")
        )
        items = list(
            StockItem.objects.filter(part=part)
            .with_available()
            .select_related("part", "location")
            .order_by("received_date", "pk")[:DETAIL_STOCK_ITEMS]
        )
        # Read from the stockmovement_part_recent index, newest first.
        movements = list(
            StockMovement.objects.filter(part=part)
            .select_related("from_location", "to_location", "user")
            .order_by("-created_at", "-pk")[: DETAIL_MOVEMENTS + 1]
        )
        return super().get_context_data(
            stock_table=StockItemTable(items, orderable=False, exclude=("part",)),
            more_stock_items=part.stock_item_count > DETAIL_STOCK_ITEMS,
            movement_table=PartMovementTable(movements[:DETAIL_MOVEMENTS], orderable=False),
            more_movements=len(movements) > DETAIL_MOVEMENTS,
            detail_stock_items=DETAIL_STOCK_ITEMS,
            detail_movements=DETAIL_MOVEMENTS,
            **kwargs,
        )


class PartFormMixin:
    """Part fields plus its price breaks in one form; saved by one service call."""

    form_class = PartForm
    template_name = "inventory/part_form.html"
    model = Part

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.get_formset())
        return super().get_context_data(**kwargs)

    def get_formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return PriceBreakFormSet(data, instance=self.object or Part(), prefix="breaks")

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if kwargs.get("pk") else None
        form = self.get_form()
        formset = self.get_formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        try:
            self.object = services.part_save(
                part=form.instance, user=request.user, price_breaks=formset.price_breaks()
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(request, f"Part {self.object} saved.")
        return redirect(self.object)


class PartCreateView(SubmitOnceMixin, PermissionRequiredMixin, PartFormMixin, CreateView):
    permission_required = "inventory.add_part"


class PartUpdateView(PermissionRequiredMixin, PartFormMixin, UpdateView):
    permission_required = "inventory.change_part"


class StockItemListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "inventory.view_stockitem"
    table_class = StockItemTable
    filterset_class = StockItemFilter
    template_name = "inventory/stockitem_list.html"

    def get_queryset(self):
        return StockItem.objects.with_available().select_related("part", "location")


class StockItemDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "inventory.view_stockitem"
    template_name = "inventory/stockitem_detail.html"

    def get_queryset(self):
        return StockItem.objects.with_available().select_related(
            "part", "location", "location__parent"
        )

    def get_context_data(self, **kwargs):
        movements = self.object.movements.select_related(
            "from_location", "to_location", "user"
        ).order_by("-created_at", "-pk")
        table = StockMovementTable(movements, orderable=False)
        paginate = {"per_page": 25, "paginator_class": CappedPaginator}
        RequestConfig(self.request, paginate=paginate).configure(table)
        return super().get_context_data(
            movement_table=table,
            holding_orders=holding_orders(self.object) if self.object.allocated_quantity else [],
            **kwargs,
        )


class StockReceiveView(SubmitOnceMixin, PermissionRequiredMixin, FormView):
    permission_required = "inventory.add_stockitem"
    form_class = ReceiveStockForm
    template_name = "inventory/stock_form.html"
    extra_context = {"title": "Receive Stock", "button": "Receive Stock"}

    def get_initial(self):
        initial = super().get_initial()
        part = self.request.GET.get("part")
        if part and part.isdigit():
            initial["part"] = part
        return initial

    def form_valid(self, form):
        try:
            item = services.stock_receive(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Received {format_quantity(item.quantity)} {item.part.unit} of {item.part} "
            f"at {item.location}.",
        )
        return redirect(item)


class StockItemActionView(SubmitOnceMixin, PermissionRequiredMixin, FormView):
    """A form about one stock item whose valid POST calls one service."""

    permission_required = "inventory.change_stockitem"
    template_name = "inventory/stock_form.html"
    title = ""

    @cached_property
    def item(self) -> StockItem:
        # Loaded on first use, i.e. after the permission check: no role, no 404 hints.
        return get_object_or_404(
            StockItem.objects.select_related("part", "location"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            item=self.item, title=self.title, button=self.title, **kwargs
        )

    def run(self, form) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.run(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.item)


class StockAdjustView(StockItemActionView):
    form_class = AdjustQuantityForm
    title = "Adjust Quantity"

    def get_initial(self):
        return {"new_quantity": plain(self.item.quantity)}

    def run(self, form) -> str:
        services.stock_adjust(item=self.item, user=self.request.user, **form.cleaned_data)
        return f"Quantity set to {format_quantity(self.item.quantity)} {self.item.part.unit}."


class StockMoveView(StockItemActionView):
    form_class = MoveStockForm
    title = "Move Stock"

    def run(self, form) -> str:
        services.stock_move(item=self.item, user=self.request.user, **form.cleaned_data)
        return f"Moved to {form.cleaned_data['location']}."


class StockStatusView(StockItemActionView):
    form_class = ChangeStatusForm
    title = "Change Status"

    def get_initial(self):
        return {"status": self.item.status}

    def run(self, form) -> str:
        services.stock_set_status(item=self.item, user=self.request.user, **form.cleaned_data)
        return f"Status set to {self.item.get_status_display()}."


class PartSearchView(PickerSearchView):
    """The part picker's suggestions with the free stock of each: `?q=` SKU or name,
    `&salable=1` for the parts an order may take, else active parts (Receive Stock)."""

    permission_required = "inventory.view_part"

    def get_queryset(self):
        salable = self.request.GET.get("salable") == "1"
        return (Part.objects.salable() if salable else Part.objects.active()).with_stock()

    def row(self, part: Part) -> dict:
        return {
            "id": part.pk,
            "code": part.sku,
            "name": part.name,
            "label": str(part),
            "detail": f"{format_quantity(part.available)} {part.unit} free",
            "available": plain(part.available),
        }
