from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import views

admin.site.site_header = f"{settings.APP_NAME} administration"
admin.site.site_title = settings.APP_NAME
admin.site.index_title = "Back office"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("customers/", include("customers.urls")),
    path("inventory/", include("inventory.urls")),
    path("orders/", include("salesorders.urls")),
    path("calendar/", include("salesorders.calendar_urls")),
    path("shipping/", include("shipping.urls")),
    path("admin/", admin.site.urls),
]
