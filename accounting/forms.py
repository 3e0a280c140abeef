"""Input shape of the Accounts pages."""

from django import forms

from core.forms import CrispyFormMixin


class PeriodCreateForm(CrispyFormMixin, forms.Form):
    submit_label = "Create Period"

    name = forms.CharField(max_length=50, help_text="For example “March 2026”.")
    start = forms.DateField()
    end = forms.DateField(help_text="The last day, included.")


class PeriodReasonForm(forms.Form):
    """What Close, Reopen and Lock post: the reason (the service says when one is needed)."""

    reason = forms.CharField(max_length=250, required=False)
