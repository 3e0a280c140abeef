"""Exchange rates as `exchangeRates`: what one unit of a currency is worth in the base
currency on a date (Business Central's currencyExchangeRates, Codat's currencyRate)."""

from rest_framework import serializers

from accounting.models import ExchangeRate, base_currency
from core.api.serializers import ApiModelSerializer
from core.currency import RATE


class ExchangeRateSerializer(ApiModelSerializer):
    currencyCode = serializers.CharField(source="currency", max_length=3)  # noqa: N815
    startingDate = serializers.DateField(source="date")  # noqa: N815
    exchangeRateAmount = serializers.DecimalField(source="rate", **RATE)  # noqa: N815
    baseCurrencyCode = serializers.SerializerMethodField()  # noqa: N815
    source = serializers.CharField(read_only=True)

    class Meta:
        model = ExchangeRate
        fields = [
            "id",
            "currencyCode",
            "startingDate",
            "exchangeRateAmount",
            "baseCurrencyCode",
            "source",
        ]

    def etag_version(self, rate):
        # A rate has no version column: its stored value (12 decimals) is what changes.
        return int(rate.rate.scaleb(12))

    def get_validators(self):
        return []  # the service refuses with its own sentences (and replaces a day's rate)

    def get_baseCurrencyCode(self, rate) -> str:  # noqa: N802
        return base_currency()
