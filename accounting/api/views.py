"""`accountingPeriods` (read): which days documents may be dated on. Closing, reopening and
locking stay on the Accounts pages (a reason, a confirmation)."""

from accounting.api.serializers import STATUS_FROM_API, AccountingPeriodSerializer
from accounting.models import AccountingPeriod
from core.api.odata import DATE, DATETIME, ENUM, ODataField
from core.api.views import ApiViewSet


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
