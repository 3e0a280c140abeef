from core.api.urls import resource_urls

from .views import AccountingPeriodViewSet, ExchangeRateViewSet

urlpatterns = [
    *resource_urls("exchangeRates", ExchangeRateViewSet, name="exchangeRates"),
    *resource_urls(
        "accountingPeriods", AccountingPeriodViewSet, name="accountingPeriods", read_only=True
    ),
]
