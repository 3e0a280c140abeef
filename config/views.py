from django.views.generic import TemplateView

from salesorders.templatetags.salesorder_tags import dashboard_figures


class DashboardView(TemplateView):
    """The home page: what needs attention today (one query)."""

    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("salesorders.view_salesorder"):
            context.update(dashboard_figures(), can_see_orders=True)
        return context
