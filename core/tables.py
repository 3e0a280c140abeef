"""Tables of core's own pages (the Jobs page)."""

import django_tables2 as tables

from core.badges import Badges
from core.columns import BadgeColumn, DateTimeColumn
from core.models import JobState

JOB_BADGES = Badges(JobState.Status, css="badge-job-", testid="job-status")

RETRY_BUTTON = """{% if perms.core.change_jobstate and record.can_retry %}
<form method="post" action="{% url 'job-retry' record.pk %}">{% csrf_token %}
<button type="submit" class="btn btn-sm btn-outline-primary">Retry</button></form>{% endif %}"""


class JobTable(tables.Table):
    task_name = tables.Column("Job", accessor="task_path", order_by="task_path")
    status = BadgeColumn(JOB_BADGES)
    attempts = tables.TemplateColumn("{{ record.attempts }} of {{ record.max_attempts }}")
    error_summary = tables.Column("Last error", accessor="last_error", orderable=False)
    next_attempt_at = DateTimeColumn(verbose_name="Next attempt")
    updated_at = DateTimeColumn(verbose_name="Last attempt")
    retry = tables.TemplateColumn(RETRY_BUTTON, verbose_name="", orderable=False)

    class Meta:
        model = JobState
        fields = ["task_name", "status", "attempts", "error_summary", "next_attempt_at"]
        sequence = [*fields, "updated_at", "retry"]
        empty_text = "No failed jobs."
        attrs = {"data-testid": "jobs"}

    def render_task_name(self, record):
        return record.task_name

    def render_error_summary(self, record):
        return record.error_summary
