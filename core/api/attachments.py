"""`.../attachments` under any resource: list, upload (multipart), read, delete (soft) and
`.../attachments({id})/content` (the file itself).

A resource gets them with a subclass of AttachmentViewSet naming `parent_model` and the URL
keyword of its id (`parent_kwarg`), and `attachment_api_urls(...)` in its api/urls.py. An app
with its own history overrides `add_attachment` / `delete_attachment` to call its service.
Reading needs the parent's view permission, uploading and deleting its change permission.
"""

import hashlib

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission

from core import attachments as services
from core.api.odata import DATETIME, ENUM, INTEGER, ODataField
from core.api.serializers import ApiModelSerializer
from core.api.urls import resource_urls
from core.api.views import ApiViewSet
from core.attachment_views import download_response
from core.models import Attachment
from core.uploads import upload_refusals

# stored category -> API value (camelCase, like the other enums' codes)
CATEGORY_TO_API = {
    Attachment.Category.QUOTE: "quote",
    Attachment.Category.SIGNED_AGREEMENT: "signedAgreement",
    Attachment.Category.CUSTOMER_PO: "customerPurchaseOrder",
    Attachment.Category.OTHER: "other",
    Attachment.Category.GENERATED: "generatedDocument",
}
CATEGORY_FROM_API = {api: value for value, api in CATEGORY_TO_API.items()}
UPLOADABLE_FROM_API = {
    api: value for api, value in CATEGORY_FROM_API.items() if value != Attachment.Category.GENERATED
}
MULTIPART_OVERHEAD = 64 * 1024  # the form fields and boundaries around the file


class ParentPermissions(BasePermission):
    """The parent's permissions: view to read its attachments, change to add or delete."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        action = "view" if request.method in ("GET", "HEAD", "OPTIONS") else "change"
        return request.user.has_perm(services.parent_permission(view.parent_model, action))


class CategoryField(serializers.ChoiceField):
    """The category in the API's words; `uploadable` limits it to what an upload may choose."""

    def __init__(self, *, uploadable: bool = False, **kwargs):
        self.from_api = UPLOADABLE_FROM_API if uploadable else CATEGORY_FROM_API
        super().__init__(choices=list(self.from_api), **kwargs)

    def to_representation(self, value):
        return CATEGORY_TO_API[value]

    def to_internal_value(self, data):
        return self.from_api[super().to_internal_value(data)]


class AttachmentSerializer(ApiModelSerializer):
    fileName = serializers.CharField(source="original_name", read_only=True)  # noqa: N815
    category = CategoryField(read_only=True)
    byteSize = serializers.IntegerField(source="size", read_only=True)  # noqa: N815
    contentType = serializers.CharField(source="content_type_sniffed", read_only=True)  # noqa: N815
    sha256 = serializers.CharField(read_only=True)
    uploadedBy = serializers.SerializerMethodField()  # noqa: N815
    uploadedDateTime = serializers.DateTimeField(source="uploaded_at", read_only=True)  # noqa: N815
    isDeleted = serializers.BooleanField(source="is_deleted", read_only=True)  # noqa: N815
    contentUrl = serializers.SerializerMethodField()  # noqa: N815

    class Meta:
        model = Attachment
        fields = [
            "id",
            "fileName",
            "category",
            "byteSize",
            "contentType",
            "sha256",
            "uploadedBy",
            "uploadedDateTime",
            "isDeleted",
            "contentUrl",
        ]

    def etag_version(self, instance):
        return instance.uploaded_at

    def get_uploadedBy(self, instance) -> str:  # noqa: N802
        return instance.uploaded_by.get_username()

    def get_contentUrl(self, instance) -> str:  # noqa: N802
        request = self.context.get("request")
        base = self.context.get("collection_path", "")
        url = f"{base}/{instance.pk}/content"
        return request.build_absolute_uri(url) if request is not None else url


class AttachmentUploadSerializer(serializers.Serializer):
    """The multipart form of an upload (for the schema; the view reads it itself)."""

    file = serializers.FileField()
    category = CategoryField(required=False, uploadable=True)


class AttachmentViewSet(ApiViewSet):
    parent_model = None
    parent_kwarg = "parent_pk"
    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    permission_classes = [ParentPermissions]
    parser_classes = [MultiPartParser]
    default_ordering = ("-uploaded_at",)
    odata_fields = {
        "fileName": ODataField("original_name"),
        "category": ODataField("category", ENUM, values=CATEGORY_FROM_API),
        "byteSize": ODataField("size", INTEGER),
        "contentType": ODataField("content_type_sniffed"),
        "uploadedDateTime": ODataField("uploaded_at", DATETIME),
    }

    @property
    def max_body_bytes(self) -> int:
        return settings.ATTACHMENT_MAX_BYTES + MULTIPART_OVERHEAD

    @property
    def parent(self):
        if not hasattr(self, "_parent"):
            self._parent = get_object_or_404(
                self.parent_model._default_manager.all(), pk=self.kwargs[self.parent_kwarg]
            )
        return self._parent

    def etag_version(self, obj):
        return obj.uploaded_at

    def get_queryset(self):
        return Attachment.objects.live().of(self.parent).select_related("uploaded_by")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        request = getattr(self, "request", None)
        if request is not None:
            path = request.path
            marker = "/attachments"
            context["collection_path"] = (
                path[: path.index(marker) + len(marker)] if marker in path else path
            )
        return context

    def idempotency_body(self, request) -> bytes:
        """A digest of the form fields and the files, read in chunks: never the whole body."""
        digest = hashlib.sha256()
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, uploaded in sorted(request.FILES.items()):
            digest.update(repr((name, uploaded.name, uploaded.size)).encode())
            for chunk in uploaded.chunks():
                digest.update(chunk)
        return digest.hexdigest().encode()

    def perform_content_negotiation(self, request, force=False):
        # The content is whatever the file is: an Accept of application/pdf is no 406.
        return super().perform_content_negotiation(request, force=force or self.action == "content")

    # hooks for the parent's app

    def add_attachment(self, *, uploaded_file, category: str) -> Attachment:
        return services.attachment_add(
            parent=self.parent,
            uploaded_file=uploaded_file,
            category=category,
            user=self.request.user,
        )

    def delete_attachment(self, attachment: Attachment) -> None:
        services.attachment_delete(attachment=attachment, user=self.request.user)

    # operations

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Upload a file (multipart/form-data: `file`, and `category`: quote, signedAgreement,
        customerPurchaseOrder or other, the default)."""
        self.parent  # noqa: B018 - a 404 for a parent that does not exist, before the body
        data = request.data  # parsed now: the size handler counts the file as it streams in
        refused = upload_refusals(request._request).get("file")
        if refused:
            raise serializers.ValidationError({"file": [refused]})
        unknown = set(data) - {"file", "category"}
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field; an upload has file and category."] for name in unknown}
            )
        body = AttachmentUploadSerializer(data=data)
        body.is_valid(raise_exception=True)
        attachment = self.add_attachment(
            uploaded_file=body.validated_data["file"],
            category=body.validated_data.get("category", Attachment.Category.OTHER),
        )
        return self.respond_created(self.get_queryset().get(pk=attachment.pk))

    def destroy(self, request, *args, **kwargs):
        """Delete (soft): the attachment leaves the list; the file is kept. If-Match needed."""
        attachment = self.get_object()
        self.check_if_match(attachment)
        self.delete_attachment(attachment)
        return self.respond_empty()

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, as a download."
            )
        }
    )
    def content(self, request, *args, **kwargs):
        """The file itself, streamed, with Content-Disposition: attachment."""
        return download_response(self.get_object())


def attachment_api_urls(prefix: str, parents: str, viewset, *, name: str) -> list:
    """The attachment routes under one resource: `prefix` is its item path
    ("salesOrders/<int:order_pk>"), `parents` the same in parenthesis regex form
    (r"salesOrders\\((?P<order_pk>\\d+)\\)")."""
    urls = resource_urls(
        f"{prefix}/attachments",
        viewset,
        name=name,
        key="pk",
        parents=f"{parents}/attachments",
    )
    content = viewset.as_view({"get": "content"})
    urls.append(path(f"{prefix}/attachments/<int:pk>/content", content, name=f"{name}-content"))
    urls.append(
        re_path(
            rf"^{parents}/attachments\((?P<pk>\d+)\)/content$",
            viewset.as_view({"get": "content"}, schema=None),
        )
    )
    return urls
