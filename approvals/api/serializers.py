"""`approvals`: one approval step the requesting user may decide now, with its document as
the document's app describes it (the Approvals page's rows). Its `@odata.etag` is the
document's: send it as If-Match to the document's approve or reject action."""

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import ApprovalStep
from core.api.serializers import ApiModelSerializer
from core.numbers import MONEY


class ApprovalSerializer(ApiModelSerializer):
    documentType = serializers.SerializerMethodField()  # noqa: N815
    documentId = serializers.IntegerField(source="request.object_id", read_only=True)  # noqa: N815
    documentNumber = serializers.SerializerMethodField()  # noqa: N815
    customerName = serializers.SerializerMethodField()  # noqa: N815
    stepName = serializers.CharField(source="sentence", read_only=True)  # noqa: N815
    stage = serializers.IntegerField(read_only=True)
    round = serializers.IntegerField(source="request.round", read_only=True)
    role = serializers.CharField(source="approver_name", read_only=True)
    approvalsNeeded = serializers.IntegerField(source="needed", read_only=True)  # noqa: N815
    approvalsGiven = serializers.IntegerField(source="approvals", read_only=True)  # noqa: N815
    requestedBy = serializers.SerializerMethodField()  # noqa: N815
    requestedDateTime = serializers.DateTimeField(  # noqa: N815
        source="request.submitted_at", read_only=True
    )
    amount = serializers.SerializerMethodField()
    currencyCode = serializers.SerializerMethodField()  # noqa: N815
    status = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "documentType",
            "documentId",
            "documentNumber",
            "customerName",
            "stepName",
            "stage",
            "round",
            "role",
            "approvalsNeeded",
            "approvalsGiven",
            "requestedBy",
            "requestedDateTime",
            "amount",
            "currencyCode",
            "status",
        ]

    def document(self, step):
        """The step's document summary (the view puts them in the context, one batch)."""
        key = (step.request.content_type_id, step.request.object_id)
        return self.context.get("documents", {}).get(key)

    def etag_version(self, instance):
        document = self.document(instance)
        return document.version if document else 0

    def get_documentType(self, step) -> str:  # noqa: N802
        content_type = ContentType.objects.get_for_id(step.request.content_type_id)
        model = content_type.model_class()
        return str(model._meta.verbose_name).title() if model else content_type.model

    def get_documentNumber(self, step) -> str:  # noqa: N802
        document = self.document(step)
        return document.title if document else ""

    def get_customerName(self, step) -> str:  # noqa: N802
        document = self.document(step)
        return document.party if document else ""

    def get_requestedBy(self, step) -> str:  # noqa: N802
        user = step.request.submitted_by
        return user.get_username() if user else ""

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_amount(self, step):
        document = self.document(step)
        if document is None or document.total is None:
            return None
        return serializers.DecimalField(**MONEY).to_representation(document.total)

    def get_currencyCode(self, step) -> str:  # noqa: N802
        document = self.document(step)
        return document.currency if document else ""
