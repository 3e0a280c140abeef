"""The app's URLs plus the bare-framework page the benchmark measures every page against: a
logged-in view rendering `base.html` with nothing in it, through the same middleware."""

from django.urls import path
from django.views.generic import TemplateView

from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/baseline/", TemplateView.as_view(template_name="base.html"), name="bench-baseline"),
    *app_urlpatterns,
]
