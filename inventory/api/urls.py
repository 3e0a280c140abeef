from core.api.urls import resource_urls

from .views import ItemViewSet, StockItemViewSet

urlpatterns = [
    *resource_urls("items", ItemViewSet, name="items"),
    *resource_urls("stockItems", StockItemViewSet, name="stockItems", bound=("adjust",)),
]
