from core.api.urls import resource_urls

from .views import ExchangeRateViewSet

urlpatterns = [*resource_urls("exchangeRates", ExchangeRateViewSet, name="exchangeRates")]
