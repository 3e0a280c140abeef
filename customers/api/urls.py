from core.api.urls import resource_urls

from .views import CustomerViewSet

urlpatterns = resource_urls("customers", CustomerViewSet, name="customers")
