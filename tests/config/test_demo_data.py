"""`manage.py demo_data` fills an empty database once, and only where it is safe."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounting.models import Account, AccountingPeriod
from core.models import Attachment
from customers.models import Customer
from inventory.models import Part, StockItem, StockLocation
from salesorders.models import SalesOrder, SalesOrderLine
from shipping.models import Shipment

pytestmark = pytest.mark.django_db


def test_demo_data_builds_a_believable_company_once(settings, capsys):
    settings.DEBUG = True
    call_command("demo_data")
    out = capsys.readouterr().out
    assert "demo / demo" in out
    assert authenticate(username="demo", password="demo") is not None

    assert Customer.objects.filter(active=True).count() >= 10
    assert Part.objects.filter(salable=False).exists()
    assert StockLocation.objects.count() >= 2
    assert StockItem.objects.exists()
    statuses = set(SalesOrder.objects.values_list("status", flat=True))
    assert statuses == set(SalesOrder.Status.values), statuses
    assert Shipment.objects.filter(status=Shipment.Status.SHIPPED).exists()
    assert Shipment.objects.filter(status=Shipment.Status.PENDING).exists()
    po = Attachment.objects.live().get()
    assert po.category == Attachment.Category.CUSTOMER_PO
    assert po.content_type_sniffed == "application/pdf"
    assert isinstance(po.parent, SalesOrder)

    statuses = dict(AccountingPeriod.objects.values_list("status", "name").order_by("start"))
    assert set(statuses) == {"locked", "closed", "open"}, statuses
    assert Account.objects.filter(code__in=["4000", "4100", "4200"]).count() == 3
    lines = SalesOrderLine.objects.all()
    assert not lines.filter(revenue_account=None).exists()
    assert lines.filter(part_kind="service", revenue_account__code="4100").exists()
    assert lines.filter(dimension_values__dimension__name="Department").exists()
    assert authenticate(username="accounts", password="demo").has_perm(
        "accounting.change_accountingperiod"
    )

    counts = (Customer.objects.count(), SalesOrder.objects.count(), StockItem.objects.count())
    call_command("demo_data")
    assert "already loaded" in capsys.readouterr().out
    assert (Customer.objects.count(), SalesOrder.objects.count(), StockItem.objects.count()) == (
        counts
    )


def test_demo_data_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo_data")
    assert not Customer.objects.exists()
