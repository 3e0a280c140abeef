"""Accounting periods as the `accountingPeriods` resource (read only)."""

from rest_framework import serializers

from accounting.models import AccountingPeriod, PeriodStatus
from core.api.serializers import ApiModelSerializer

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
