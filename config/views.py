from django.views.generic import TemplateView


class DashboardView(TemplateView):
    """The home page: what needs attention today."""

    template_name = "dashboard.html"
