"""`exchangeRates`: read, and POST a rate (it replaces that currency's rate of that day),
through accounting.services.exchange_rate_set as the admin does."""

from accounting import services
from accounting.models import ExchangeRate, RateSource
from core.api.odata import DATE, DECIMAL, ODataField
from core.api.views import ApiViewSet

from .serializers import ExchangeRateSerializer


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
