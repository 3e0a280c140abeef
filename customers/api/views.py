"""`customers`: CRUD through customers.services, so the pages' rules hold."""

from django.db import transaction

from core.api.attachments import AttachmentViewSet
from core.api.odata import BOOLEAN, DATETIME, DECIMAL, INTEGER, ODataField
from core.api.views import ApiViewSet
from customers import services
from customers.filters import CustomerFilter
from customers.models import Customer

from .serializers import CustomerSerializer


class CustomerViewSet(ApiViewSet):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    default_ordering = ("name",)
    odata_fields = {
        "number": ODataField("code"),
        "displayName": ODataField("name"),
        "email": ODataField("email"),
        "phoneNumber": ODataField("phone"),
        "currencyCode": ODataField("currency"),
        "paymentTermsDays": ODataField("payment_terms_days", INTEGER),
        "creditLimit": ODataField("credit_limit", DECIMAL),
        "active": ODataField("active", BOOLEAN),
        "lastModifiedDateTime": ODataField("updated_at", DATETIME),
    }

    def etag_version(self, obj):
        return obj.updated_at

    def _locked(self) -> Customer:
        customer = self.get_object()
        return Customer.objects.select_for_update().get(pk=customer.pk)

    def create(self, request, *args, **kwargs):
        fields = self.read_body()
        customer = services.customer_create(user=request.user, **fields)
        return self.respond_created(customer)

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            customer = self._locked()
            self.check_if_match(customer)
            fields = dict(self.read_body(partial=True, instance=customer))
            active = fields.pop("active", None)
            if fields:
                customer = services.customer_update(customer=customer, user=request.user, **fields)
            if active is not None and active != customer.active:
                customer = services.customer_set_active(
                    customer=customer, active=active, user=request.user
                )
        customer.refresh_from_db()
        return self.respond(customer)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            customer = self._locked()
            self.check_if_match(customer)
            services.customer_delete(customer=customer, user=request.user)
        return self.respond_empty()


class CustomerAttachmentViewSet(AttachmentViewSet):
    """`customers({id})/attachments`."""

    parent_model = Customer
    parent_kwarg = "customer_pk"
