import django_tables2 as tables

from core.badges import Badges
from core.columns import BadgeColumn
from customers.models import Customer

ACTIVE_BADGES = Badges(
    labels={True: "Active", False: "Inactive"},
    css={True: "text-bg-success", False: "text-bg-secondary"},
)


class CustomerTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    active = BadgeColumn(ACTIVE_BADGES, verbose_name="Status")

    class Meta:
        model = Customer
        fields = ["code", "name", "email", "phone", "currency", "payment_terms_days", "active"]
        empty_text = "No customers match."
