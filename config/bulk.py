"""Bulk actions of the order list: the checked orders, one action (Issue, Hold, Print, Export
selected, Invoice shipped). Lives at the top layer because its actions belong to several apps
(salesorders' lifecycle, invoicing's Invoice All Shipped).

Each order goes through its own service call, in its own transaction (a savepoint): one
refused order never undoes the others. The result page names each order with what was done,
or the service's sentence saying why it was not."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.once import SubmitOnceMixin
from invoicing.services import invoices_create_for_shipped
from salesorders.models import SalesOrder
from salesorders.services import salesorder_transition

MAX_BULK = 500  # orders one bulk action may name
RESULT_KEY = "bulk_result"


@dataclass(frozen=True)
class BulkAction:
    """One entry of the list's action select: what it is called, what a user needs to see
    and use it, and whether it asks for a reason."""

    key: str
    label: str
    permissions: tuple[str, ...]
    done: str = ""  # the result page's word for an order it was done to: "issued"
    asks_reason: bool = False
    reason_missing: str = ""  # the refusal when it asks for a reason and none is given

    def allowed(self, user) -> bool:
        return user.has_perms(self.permissions)


def _transition(action: str, label: str, **kwargs) -> BulkAction:
    """A bulk entry for a lifecycle action: its permission and verb from the order's table."""
    transition = SalesOrder.TRANSITIONS[action]
    return BulkAction(
        key=action,
        label=label,
        permissions=(transition.permission,),
        done=transition.verb,
        asks_reason=transition.reason_required,
        reason_missing=f"Nothing was done: say why the selected orders are {transition.verb}.",
        **kwargs,
    )


ACTIONS = {
    action.key: action
    for action in (
        _transition("issue", "Issue"),
        _transition("hold", "Hold (give a reason)"),
        BulkAction("print", "Print confirmations", ("salesorders.view_salesorder",)),
        BulkAction("export", "Export selected (CSV)", ("salesorders.view_salesorder",)),
        BulkAction(
            "invoice_shipped",
            "Invoice All Shipped",
            ("invoicing.add_invoice", "invoicing.post_invoice"),
            done="invoiced",
        ),
    )
}


READ_ONLY = {"print", "export"}  # actions that write nothing


def bulk_actions_for(user) -> list[BulkAction]:
    """The actions `user` may choose on the order list, in the select's order."""
    return [action for action in ACTIONS.values() if action.allowed(user)]


def selected_ids(request) -> list[int]:
    """The checked rows' pks (`select`), first MAX_BULK; anything not a row id is ignored."""
    pks = [
        int(pk)
        for pk in request.POST.getlist("select")
        if pk.isascii() and pk.isdecimal() and len(pk) < 19
    ]
    return list(dict.fromkeys(pks))[:MAX_BULK]


def _back(request) -> str:
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return back
    return reverse("salesorders:list")


class SalesOrderBulkView(SubmitOnceMixin, PermissionRequiredMixin, View):
    """POST only: run the chosen action on the selected orders (the list's permission, then
    the action's). Print and Export selected answer the print page and the list's own CSV
    export, limited to the selected ids; the others go to the result page."""

    http_method_names = ["post"]
    permission_required = "salesorders.view_salesorder"

    def dispatch(self, request, *args, **kwargs):
        """Print and Export selected only read: the same form may be sent again (Back, then
        another action) without being taken for a repeat of the first submission."""
        if request.POST.get("action") in READ_ONLY:
            return super(SubmitOnceMixin, self).dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request):
        action = ACTIONS.get(request.POST.get("action", ""))
        back = _back(request)
        if action is None:
            messages.error(request, "Choose what to do with the selected orders.")
            return redirect(back)
        if not action.allowed(request.user):
            raise PermissionDenied(f"You may not {action.label.lower()} orders.")
        ids = selected_ids(request)
        if not ids:
            messages.error(request, "Select the orders first: tick their boxes in the list.")
            return redirect(back)
        reason = request.POST.get("reason", "").strip()
        if action.asks_reason and not reason:
            messages.error(request, action.reason_missing)
            return redirect(back)
        ids_param = ",".join(map(str, ids))
        if action.key == "print":
            return redirect(f"{reverse('salesorders:print-selected')}?ids={ids_param}")
        if action.key == "export":
            return redirect(f"{reverse('salesorders:list')}?_export=csv&ids={ids_param}")
        if action.key == "invoice_shipped":
            outcomes = self.invoice_shipped(ids)
        else:
            outcomes = self.transition(action, ids, reason)
        request.session[RESULT_KEY] = {"action": action.label, "back": back, "rows": outcomes}
        return redirect("salesorders-bulk-result")

    def transition(self, action: BulkAction, ids: list[int], reason: str) -> list[dict]:
        rows = []
        orders = SalesOrder.objects.filter(pk__in=ids).order_by("reference_number", "pk")
        for order in orders:
            try:
                salesorder_transition(
                    order=order, action=action.key, user=self.request.user, reason=reason
                )
            except ValidationError as error:
                rows.append(_row(order, done=False, text=" ".join(error.messages)))
            else:
                rows.append(_row(order, done=True, text=f"{order.reference} {action.done}."))
        return rows

    def invoice_shipped(self, ids: list[int]) -> list[dict]:
        batch = invoices_create_for_shipped(orders=ids, user=self.request.user)
        rows = [
            _row(invoice.order, done=True, text=f"{invoice} posted for {invoice.order.reference}.")
            for invoice in batch.invoices
        ]
        rows += [_row(order, done=False, text=sentence) for order, sentence in batch.refused]
        return sorted(rows, key=lambda row: row["number"])


def _row(order: SalesOrder, *, done: bool, text: str) -> dict:
    return {
        "reference": order.reference,
        "number": order.reference_number,
        "url": order.get_absolute_url(),
        "done": done,
        "text": text,
    }


class SalesOrderBulkResultView(PermissionRequiredMixin, TemplateView):
    """What the last bulk action did, order by order (kept in the session, so a reload shows
    it again and does nothing twice)."""

    permission_required = "salesorders.view_salesorder"
    template_name = "bulk_result.html"

    def get(self, request, *args, **kwargs):
        if RESULT_KEY not in request.session:
            return redirect("salesorders:list")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.request.session[RESULT_KEY]
        rows = result["rows"]
        context.update(
            action=result["action"],
            back=result["back"],
            done=[row for row in rows if row["done"]],
            refused=[row for row in rows if not row["done"]],
        )
        return context
