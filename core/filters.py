"""Filters of core's own pages (the Jobs page)."""

import django_filters

from core.lists import StyledFilterSet
from core.models import JobState


class JobFilter(StyledFilterSet):
    """By status; with none chosen, the jobs that need attention (Retrying and Dead)."""

    status = django_filters.ChoiceFilter(
        choices=JobState.Status.choices, empty_label="Failing (Retrying or Dead)"
    )

    class Meta:
        model = JobState
        fields = ["status"]

    @property
    def qs(self):
        queryset = super().qs
        chosen = self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("status")
        return queryset if chosen else queryset.failing()
