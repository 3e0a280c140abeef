"""`exchangeRates`: read, and POST a rate (it replaces that currency's rate of that day),
through accounting.services.exchange_rate_set as the admin does. `accountingPeriods` (read):
which days documents may be dated on; closing, reopening and locking stay on the Accounts
pages (a reason, a confirmation)."""

from accounting import services
from accounting.api.serializers import (
    STATUS_FROM_API,
    AccountingPeriodSerializer,
    ExchangeRateSerializer,
)
from accounting.models import AccountingPeriod, ExchangeRate, RateSource
from core.api.odata import DATE, DATETIME, DECIMAL, ENUM, ODataField
from core.api.views import ApiViewSet


class ExchangeRateViewSet(ApiViewSet):
    queryset = ExchangeRate.objects.all()
    serializer_class = ExchangeRateSerializer
    default_ordering = ("-date", "currency")
    odata_fields = {
        "currencyCode": ODataField("currency"),
        "startingDate": ODataField("date", DATE),
        "exchangeRateAmount": ODataField("rate", DECIMAL),
        "source": ODataField("source"),
    }

    def etag_version(self, obj):
        return ExchangeRateSerializer().etag_version(obj)

    def create(self, request, *args, **kwargs):
        fields = self.read_body()
        rate = services.exchange_rate_set(
            currency=fields["currency"],
            on=fields["date"],
            rate=fields["rate"],
            user=request.user,
            source=RateSource.API,
        )
        return self.respond_created(rate)


class AccountingPeriodViewSet(ApiViewSet):
    queryset = AccountingPeriod.objects.all()
    serializer_class = AccountingPeriodSerializer
    default_ordering = ("-start",)
    odata_fields = {
        "displayName": ODataField("name"),
        "startDate": ODataField("start", DATE),
        "endDate": ODataField("end", DATE),
        "status": ODataField("status", ENUM, values=STATUS_FROM_API),
        "statusChangedDateTime": ODataField("status_changed_at", DATETIME),
    }
