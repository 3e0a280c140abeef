from django.contrib import admin

from approvals import services
from approvals.models import ApprovalDecision, ApprovalRequest, ApprovalRule, ApprovalStep


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    """Rules as data; saved through approval_rule_save (its checks are the model's clean)."""

    list_display = ["name", "stage", "condition", "threshold", "approver_group", "approver_user"]
    list_display += ["approvals_needed", "active"]
    list_filter = ["active", "condition", "stage"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        services.approval_rule_save(rule=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rounds, steps and decisions are written by the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    can_delete = False
    fields = ["stage", "sentence", "approver_group", "approver_user", "needed", "approvals"]
    fields += ["status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "current_stage", "submitted_by", "submitted_at"]
    list_filter = ["status", "content_type"]
    inlines = [ApprovalStepInline]


@admin.register(ApprovalStep)
class ApprovalStepAdmin(ReadOnlyAdmin):
    list_display = ["sentence", "request", "stage", "status", "approvals", "needed"]
    list_filter = ["status"]


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    list_display = ["step", "user", "decision", "comment", "at"]
    list_filter = ["decision"]
