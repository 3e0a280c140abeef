"""`approvals` (read): the approval steps the requesting user may decide now, the rows of the
Approvals page ("Waiting for me"), from the same selectors, a constant number of queries a
page. Decisions are the document's own bound actions (salesOrders({id})/approve, /reject)."""

from approvals import selectors
from approvals.models import ApprovalStep
from approvals.views import DECIDE_PERMISSION
from core.api.odata import DATETIME, INTEGER, ODataField
from core.api.views import ApiViewSet

from .serializers import ApprovalSerializer


class ApprovalViewSet(ApiViewSet):
    serializer_class = ApprovalSerializer
    default_ordering = ("request__submitted_at", "pk")
    odata_fields = {
        "documentId": ODataField("request__object_id", INTEGER),
        "stage": ODataField("stage", INTEGER),
        "round": ODataField("request__round", INTEGER),
        "stepName": ODataField("sentence"),
        "requestedDateTime": ODataField("request__submitted_at", DATETIME),
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ApprovalStep.objects.none()
        return selectors.waiting_steps(self.request.user).select_related(
            "request", "request__submitted_by", "approver_group", "approver_user"
        )

    def documents_of(self, steps) -> dict:
        """The summaries of the steps' documents, read once per request."""
        if not hasattr(self, "_documents"):
            self._documents = selectors.document_summaries(list(steps))
        return self._documents

    def get_serializer(self, instance=None, *args, **kwargs):
        if instance is not None:
            steps = instance if kwargs.get("many") else [instance]
            context = self.get_serializer_context()
            context["documents"] = self.documents_of(steps)
            kwargs["context"] = context
        return super().get_serializer(instance, *args, **kwargs)

    def etag_version(self, obj):
        return self.get_serializer(obj).etag_version(obj)

    def list(self, request, *args, **kwargs):
        """One page of the steps waiting for the user's decision."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One step waiting for the user's decision (404: not theirs to decide now)."""
        return super().retrieve(request, *args, **kwargs)

    list.required_permission = DECIDE_PERMISSION
    retrieve.required_permission = DECIDE_PERMISSION
