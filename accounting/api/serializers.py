"""Accounting resources: `exchangeRates` (what one unit of a currency is worth in the base
currency on a date: Business Central's currencyExchangeRates, Codat's currencyRate) and
`accountingPeriods` (read only)."""

from rest_framework import serializers

from accounting.models import AccountingPeriod, ExchangeRate, PeriodStatus, base_currency
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


STATUS_TO_API = {value: str(label) for value, label in PeriodStatus.choices}
STATUS_FROM_API = {api: value for value, api in STATUS_TO_API.items()}


class PeriodStatusField(serializers.ChoiceField):
    """The status as people read it: Open, Closed, Locked."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(STATUS_FROM_API), **kwargs)

    def to_representation(self, value):
        return STATUS_TO_API[value]


class AccountingPeriodSerializer(ApiModelSerializer):
    displayName = serializers.CharField(source="name", read_only=True)  # noqa: N815
    startDate = serializers.DateField(source="start", read_only=True)  # noqa: N815
    endDate = serializers.DateField(source="end", read_only=True)  # noqa: N815
    status = PeriodStatusField(read_only=True)
    statusChangedDateTime = serializers.DateTimeField(  # noqa: N815
        source="status_changed_at", read_only=True
    )

    class Meta:
        model = AccountingPeriod
        fields = ["id", "displayName", "startDate", "endDate", "status", "statusChangedDateTime"]
