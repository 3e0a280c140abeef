from django.urls import reverse
from django.views.generic import TemplateView

from salesorders.models import OPEN_STATUSES
from salesorders.selectors import salesorder_dashboard_figures


class DashboardView(TemplateView):
    """The home page: what needs attention today (two queries)."""

    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("salesorders.view_salesorder"):
            figures = salesorder_dashboard_figures()
            context.update(figures, **self.links(figures), can_see_orders=True)
        return context

    def links(self, figures: dict) -> dict:
        """Each figure opens the order list filtered to the orders it counts."""
        orders = reverse("salesorders:list")
        open_orders = orders + "?" + "&".join(f"status={s}" for s in OPEN_STATUSES)
        return {
            "open_url": open_orders,
            "overdue_url": orders + "?overdue=true",
            "due_url": f"{open_orders}&target_date_after={figures['today'].isoformat()}"
            f"&target_date_before={figures['week_end'].isoformat()}",
        }
