"""The Approvals page ("Waiting for me") and the Managers' rules pages. Decisions post to the
document's own Approve / Reject views (its app applies the outcome)."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse_lazy
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from approvals import selectors, services
from approvals.forms import ApprovalRuleForm
from approvals.models import ApprovalRule
from core.views import ServiceFormMixin

DECIDE_PERMISSION = "approvals.add_approvaldecision"
RULES_PERMISSION = "approvals.change_approvalrule"


class WaitingForMeView(PermissionRequiredMixin, TemplateView):
    """The documents whose current step the user may decide, with why each needs approval;
    Approve and Reject (with a comment) post from here. A constant number of queries."""

    permission_required = DECIDE_PERMISSION
    template_name = "approvals/waiting.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.waiting_for(self.request.user)
        context["here"] = self.request.get_full_path()
        return context


class RuleListView(PermissionRequiredMixin, ListView):
    permission_required = "approvals.view_approvalrule"
    template_name = "approvals/rule_list.html"
    context_object_name = "rules"

    def get_queryset(self):
        return ApprovalRule.objects.select_related("approver_group", "approver_user")


class RuleFormMixin(PermissionRequiredMixin, SuccessMessageMixin, ServiceFormMixin):
    model = ApprovalRule
    form_class = ApprovalRuleForm
    template_name = "approvals/rule_form.html"
    success_url = reverse_lazy("approvals:rule-list")
    success_message = "Rule %(object)s saved."

    def call_service(self, form):
        return services.approval_rule_save(rule=form.instance)


class RuleCreateView(RuleFormMixin, CreateView):
    permission_required = "approvals.add_approvalrule"


class RuleUpdateView(RuleFormMixin, UpdateView):
    permission_required = RULES_PERMISSION
