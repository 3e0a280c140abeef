from core.api.urls import resource_urls

from .views import ApprovalViewSet

urlpatterns = [*resource_urls("approvals", ApprovalViewSet, name="approvals", read_only=True)]
