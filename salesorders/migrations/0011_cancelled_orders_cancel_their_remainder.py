"""Lines of orders cancelled before cancelling counted their remainder as cancelled: they
showed "Cancelled 0, Remaining 6". Give them what Cancel Order gives a line now."""

from django.db import migrations
from django.db.models import F


def cancel_remainders(apps, schema_editor):
    SalesOrderLine = apps.get_model("salesorders", "SalesOrderLine")
    SalesOrderLine.objects.filter(
        order__status="cancelled",
        quantity__gt=F("shipped_quantity") + F("cancelled_quantity"),
        allocated_quantity=0,
    ).update(cancelled_quantity=F("quantity") - F("shipped_quantity"))


class Migration(migrations.Migration):
    dependencies = [("salesorders", "0010_price_source_choices_drop_price_overridden")]

    operations = [migrations.RunPython(cancel_remainders, migrations.RunPython.noop)]
