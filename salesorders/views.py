from django.views.generic import TemplateView


class PlaceholderView(TemplateView):
    """Stands in until this app's pages are built."""

    template_name = "dashboard.html"
