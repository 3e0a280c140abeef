"""The orders' stored "something to ship" (models.kept_line_flags), set for existing orders
from their lines, and the covering indexes the dashboard's sums read alone: the open orders
by target date (with the flag, the base total and the id) and the issued ones by order date."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef


def forwards(apps, schema_editor):
    SalesOrder = apps.get_model("salesorders", "SalesOrder")
    Line = apps.get_model("salesorders", "SalesOrderLine")
    open_line = Line.objects.filter(
        order=OuterRef("pk"), quantity__gt=F("shipped_quantity") + F("cancelled_quantity")
    )
    SalesOrder.objects.update(something_to_ship=Exists(open_line))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_receivable_base"),
        ("salesorders", "0025_stored_line_flags"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="salesorder",
            name="salesorder_open_target",
        ),
        migrations.AddField(
            model_name="salesorder",
            name="something_to_ship",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ("pending", "pending_approval", "issued", "on_hold"))
                ),
                fields=["target_date"],
                include=("something_to_ship", "base_total", "id"),
                name="salesorder_open_target",
            ),
        ),
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(
                    ("issued_at__isnull", False), models.Q(("status", "cancelled"), _negated=True)
                ),
                fields=["order_date"],
                include=("base_total",),
                name="salesorder_sales_by_date",
            ),
        ),
    ]
