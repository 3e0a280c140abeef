from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import bulk, views
from config.health import health

admin.site.site_header = f"{settings.APP_NAME} administration"
admin.site.site_title = settings.APP_NAME
admin.site.index_title = "Back office"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("customers/", include("customers.urls")),
    path("inventory/", include("inventory.urls")),
    # Before salesorders: /orders/<pk>/cancel/ and .../cancel-remaining/ are shipping's views.
    path("", include("shipping.urls")),
    path("orders/bulk/", bulk.SalesOrderBulkView.as_view(), name="salesorders-bulk"),
    path(
        "orders/bulk/result/",
        bulk.SalesOrderBulkResultView.as_view(),
        name="salesorders-bulk-result",
    ),
    path("orders/", include("salesorders.urls")),
    path("calendar/", include("order_calendar.urls")),
    path("quotes/", include("quotes.urls")),
    path("jobs/", include("core.urls")),
    path("accounting/", include("accounting.urls")),
    path("invoices/", include("invoicing.urls")),
    path("approvals/", include("approvals.urls")),
    path("accounts/api-tokens/", views.ApiTokenListView.as_view(), name="api-tokens"),
    path(
        "accounts/api-tokens/<str:token_key>/revoke/",
        views.ApiTokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

# A database fault outside a view (saving the session) answers 503, not 500.
handler500 = "core.faults.server_error"
