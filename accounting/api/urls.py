from core.api.urls import resource_urls

from .views import AccountingPeriodViewSet

urlpatterns = [
    *resource_urls(
        "accountingPeriods", AccountingPeriodViewSet, name="accountingPeriods", read_only=True
    ),
]
