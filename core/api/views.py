"""The base of every API resource: OData lists, ETags, If-Match, idempotent POSTs.

A resource is an `ApiViewSet` with a serializer, a queryset, the app's FilterSet (the list
page's, so plain query parameters filter the same way) and `odata_fields`, the whitelist of
$filter/$orderby. Writes call the app's services; a refusal (DomainError) is a 400 with the
service's sentence, at the JSON field `domain_targets` maps the model field to.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.utils.decorators import classonlymethod
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import idempotency
from core.api.errors import RequestTooLarge
from core.api.etag import if_match_version, make_etag, not_modified
from core.api.odata import QueryOptions, query_options
from core.api.pagination import ODataPagination
from core.api.serializers import refuse_unwritable

MAX_BODY_BYTES = 1_000_000  # a JSON body above this is a 413


def bound_action(permission: str | list[str] | None = None):
    """Mark a viewset method as a bound action (POST .../{id}/<name>) needing `permission`."""

    def mark(method):
        method.required_permission = permission
        method.bound_action = True
        return method

    return mark


class ApiViewSet(viewsets.GenericViewSet):
    max_body_bytes = MAX_BODY_BYTES  # a body announced larger is a 413 before it is read
    odata_fields: dict = {}
    expandable: set[str] = set()
    default_ordering: tuple[str, ...] = ("-pk",)
    extra_domain_targets: dict[str, str] = {}
    filterset_class = None
    pagination_class = ODataPagination

    @classonlymethod
    def as_view(cls, actions=None, **initkwargs):
        # The API answers 401 itself: LoginRequiredMiddleware would redirect to the login page.
        return login_not_required(super().as_view(actions, **initkwargs))

    @property
    def domain_targets(self) -> dict[str, str]:
        """Model field -> JSON name, so a service's error lands at the field the client sent."""
        serializer_class = self.get_serializer_class()
        fields = serializer_class().fields if serializer_class else {}
        mapping = {f.source: name for name, f in fields.items() if f.source and f.source != "*"}
        return {**mapping, **self.extra_domain_targets}

    # --- versions and ETags ----------------------------------------------------------------

    def etag_version(self, obj):
        """The stored version of `obj` its ETag is built from."""
        return obj.version

    def check_if_match(self, obj) -> int | None:
        """428 without If-Match, 409 when it is stale; the version for `expected_version`."""
        return if_match_version(self.request, self.etag_version(obj))

    def respond(
        self, obj, *, status_code=status.HTTP_200_OK, headers=None, serializer_class=None
    ) -> Response:
        """`obj` as the resource, with its ETag (and `headers`)."""
        if serializer_class is None:
            data = self.get_serializer(obj).data
        else:
            data = serializer_class(obj, context=self.get_serializer_context()).data
        headers = {"ETag": make_etag(self.etag_version(obj)), **(headers or {})}
        return Response(data, status=status_code, headers=headers)

    def respond_created(self, obj, **kwargs) -> Response:
        location = self.request.build_absolute_uri(f"{self.request.path}/{obj.pk}")
        return self.respond(
            obj, status_code=status.HTTP_201_CREATED, headers={"Location": location}, **kwargs
        )

    def respond_empty(self) -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- query options ---------------------------------------------------------------------

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and self.request.method == "GET":
            options = self.options_of_request()
            context["select"] = options.select
            context["expand"] = options.expand
        return context

    def options_of_request(self) -> QueryOptions:
        if not hasattr(self, "_query_options"):
            serializer_class = self.get_serializer_class()
            selectable = set(serializer_class().fields) if serializer_class else set()
            self._query_options = query_options(
                self.request.query_params,
                fields=self.odata_fields,
                selectable=selectable,
                expandable=self.expandable,
            )
        return self._query_options

    def plain_filters(self, queryset):
        """The list page's FilterSet over the query parameters that are not OData options."""
        if self.filterset_class is None:
            return queryset
        params = self.request.query_params.copy()
        for name in list(params):
            if name.startswith("$"):
                del params[name]
        if not params:
            return queryset
        filterset = self.filterset_class(data=params, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def filter_queryset(self, queryset):
        options = self.options_of_request()
        queryset = self.plain_filters(queryset)
        if options.filter is not None:
            queryset = queryset.filter(options.filter)
        ordering = options.orderby or list(self.default_ordering)
        if "pk" not in {o.lstrip("-") for o in ordering}:
            ordering.append("-pk" if ordering[0].startswith("-") else "pk")
        return queryset.order_by(*ordering)

    def list(self, request, *args, **kwargs):
        """One page: `value`, and `@odata.nextLink` when there is more (one query, no COUNT)."""
        options = self.options_of_request()
        queryset = self.filter_queryset(self.get_queryset())
        rows = list(queryset[options.skip : options.skip + options.top + 1])
        body = {"value": self.get_serializer(rows[: options.top], many=True).data}
        if len(rows) > options.top:
            params = request.query_params.copy()
            params["$top"] = str(options.top)
            params["$skip"] = str(options.skip + options.top)
            body["@odata.nextLink"] = request.build_absolute_uri(
                f"{request.path}?{params.urlencode()}"
            )
        return Response(body)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        version = self.etag_version(obj)
        if not_modified(request, version):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": make_etag(version)}
            )
        return self.respond(obj)

    # --- writes ----------------------------------------------------------------------------

    def read_body(self, serializer_class=None, *, partial=False, instance=None) -> dict:
        """The body checked by the (write) serializer: validated data keyed by model names."""
        serializer_class = serializer_class or self.get_serializer_class()
        serializer = serializer_class(
            instance=instance,
            data=self.request.data,
            partial=partial,
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # --- idempotency and body size ---------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and "Idempotency-Key" in request.headers:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                if getattr(self, "_idempotency_record", None) and response.status_code >= 400:
                    transaction.set_rollback(True)
            return response
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or 0
        try:
            too_big = int(length) > self.max_body_bytes
        except ValueError:
            too_big = False
        if too_big:
            raise RequestTooLarge()
        super().initial(request, *args, **kwargs)
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key is not None:
            fingerprint = idempotency.request_fingerprint(
                request.method, request.get_full_path(), self.idempotency_body(request)
            )
            self._idempotency_record = idempotency.idempotency_claim(
                scope=idempotency.SCOPE, user=request.user, key=key, fingerprint=fingerprint
            )

    def idempotency_body(self, request) -> bytes:
        """What an Idempotency-Key's fingerprint covers besides the method and path."""
        return request._request.body

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            headers = {**record.response_headers, "Idempotent-Replayed": "true"}
            return Response(record.response_body, status=record.response_status, headers=headers)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency_record", None)
        if record is not None and response.status_code < 400:
            idempotency.idempotency_store(record, response)
            self._idempotency_record = None
        return response


class ReasonSerializer(serializers.Serializer):
    """The body of a bound action that takes an optional reason."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=250)

    def to_internal_value(self, data):
        refuse_unwritable(self.fields, data)
        return super().to_internal_value(data)


class EmptySerializer(serializers.Serializer):
    pass
