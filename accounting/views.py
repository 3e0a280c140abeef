"""Accounts pages: accounting periods (list, New Period, Close / Reopen / Lock). Thin: every
write goes through accounting.services."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import FormView, ListView

from accounting import services
from accounting.forms import PeriodCreateForm, PeriodReasonForm
from accounting.models import PERIOD_TRANSITIONS, AccountingPeriod
from core.forms import add_service_error
from core.once import SubmitOnceMixin
from core.views import confirm_step, report_refusal

PERIODS = reverse_lazy("accounting:period-list")


class PeriodListView(PermissionRequiredMixin, ListView):
    """Every period, newest first, with its status, its last change and the moves open to
    the user. A handful of rows a year: one page of 50, two queries."""

    permission_required = "accounting.view_accountingperiod"
    model = AccountingPeriod
    template_name = "accounting/period_list.html"
    paginate_by = 50

    def get_queryset(self):
        return AccountingPeriod.objects.select_related("status_changed_by")


class PeriodCreateView(SubmitOnceMixin, PermissionRequiredMixin, FormView):
    permission_required = "accounting.add_accountingperiod"
    form_class = PeriodCreateForm
    template_name = "accounting/period_form.html"
    extra_context = {"cancel_url": PERIODS}

    def form_valid(self, form):
        try:
            period = services.period_create(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Period {period.name} created.")
        return redirect(PERIODS)


class PeriodConfirmView(PermissionRequiredMixin, View):
    """GET only: the confirmation step of Close, Reopen (with its reason) or Lock. Changes
    nothing; a move not allowed now goes back to the list with the reason."""

    http_method_names = ["get", "head"]
    permission_required = "accounting.change_accountingperiod"

    def get(self, request, pk, action):
        transition = PERIOD_TRANSITIONS.get(action)
        if transition is None:
            raise Http404("There is no such action for an accounting period.")
        period = get_object_or_404(AccountingPeriod, pk=pk)
        refusal = period.transition_refusal(action)
        if refusal:
            messages.error(request, refusal)
            return redirect(PERIODS)
        return confirm_step(
            request,
            title=f"{transition.label}: {period.name}",
            text=(
                f"{period.name} runs from {period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}. "
                f"{transition.confirm_text}"
            ),
            action_url=reverse(f"accounting:period-{action}", args=[period.pk]),
            button_label=transition.label,
            button_style=transition.button_style,
            reason_label=transition.reason_label,
            reason_required=transition.reason_required,
            back_url=PERIODS,
            back_label="Back to periods",
            breadcrumbs=[(PERIODS, "Accounting periods")],
        )


class PeriodTransitionView(PermissionRequiredMixin, View):
    """POST only: run one move of PERIOD_TRANSITIONS (`action`) through its service."""

    http_method_names = ["post"]
    permission_required = "accounting.change_accountingperiod"
    action = ""

    def post(self, request, pk):
        period = get_object_or_404(AccountingPeriod, pk=pk)
        form = PeriodReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return redirect(PERIODS)
        try:
            services.period_transition(
                period=period,
                action=self.action,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"{period.name} {PERIOD_TRANSITIONS[self.action].verb}.")
        return redirect(PERIODS)
