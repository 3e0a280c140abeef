"""The REST API: /api/v2.0/<resource> (each app's api/urls.py), the OpenAPI 3.1 schema at
/api/schema/, and Swagger UI and Redoc served from drf-spectacular-sidecar (no CDN)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

v2 = [
    path("", include("customers.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("accounting.api.urls")),
    path("", include("approvals.api.urls")),
    # Before salesorders: salesOrders(<id>)/cancel and /autoAllocate are shipping's actions.
    path("", include("shipping.api.urls")),
    path("", include("salesorders.api.urls")),
    path("", include("invoicing.api.urls")),
]

urlpatterns = [
    path("v2.0/", include(v2)),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        login_not_required(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]
