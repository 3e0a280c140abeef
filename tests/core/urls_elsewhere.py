"""The app's URLs under another root, for tests/core/test_links.py."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("config.urls"))]
