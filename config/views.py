from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from knox.models import get_token_model

from config.dashboard import dashboard_sections, order_figures
from order_calendar.selectors import orders_change_mark
from salesorders.models import OPEN_STATUSES


class DashboardView(TemplateView):
    """The home page: what needs attention today, then a section per role the user holds
    with its work queues (config.dashboard: one query per card). The figures and the chart
    are kept until orders change: one query for the mark of the last change, and their own
    two queries only on the first view after a change."""

    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today, mark = timezone.localdate(), None
        if self.request.user.has_perm("salesorders.view_salesorder"):
            mark = orders_change_mark()
            figures = order_figures(mark, today)
            context.update(figures, **self.links(figures), can_see_orders=True)
        context["sections"] = dashboard_sections(self.request, today, mark)
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


NEW_TOKEN_KEY = "api_new_token"


class ApiTokenListView(TemplateView):
    """API tokens: the user's own, with their expiry; Create Token shows a new token once
    (only its hash is stored), Revoke deletes one. Any logged-in user may have tokens: what a
    token may do is what its user may do."""

    template_name = "api_tokens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = (
            get_token_model().objects.filter(user=self.request.user).order_by("-created")
        )
        # Shown on the one page view after Create Token, then gone (only its hash is kept).
        context["new_token"] = self.request.session.pop(NEW_TOKEN_KEY, "")
        return context

    def post(self, request, *args, **kwargs):
        _instance, token = get_token_model().objects.create(user=request.user)
        request.session[NEW_TOKEN_KEY] = token
        messages.success(request, "Token created. Copy it now: it is not shown again.")
        return redirect("api-tokens")


class ApiTokenRevokeView(View):
    """Revoke one of the user's tokens (another user's is a 404)."""

    http_method_names = ["post"]

    def post(self, request, token_key: str):
        token = get_object_or_404(get_token_model(), user=request.user, token_key=token_key)
        token.delete()
        messages.success(request, f"Token {token_key}... revoked.")
        return redirect("api-tokens")
