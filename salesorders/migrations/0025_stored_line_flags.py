"""The orders' stored line flags (models.kept_line_flags), set for existing orders from
their lines in one UPDATE, before the partial indexes over them are built."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, Exists, F, OuterRef, Value, When


def forwards(apps, schema_editor):
    SalesOrder = apps.get_model("salesorders", "SalesOrder")
    Line = apps.get_model("salesorders", "SalesOrderLine")
    lines = Line.objects.filter(order=OuterRef("pk"))
    shipped = Exists(lines.filter(shipped_quantity__gt=0))
    open_line = Exists(lines.filter(quantity__gt=F("shipped_quantity") + F("cancelled_quantity")))
    invoiced = Exists(lines.filter(invoiced_quantity__gt=0))
    uninvoiced = Exists(lines.filter(quantity__gt=F("invoiced_quantity") + F("cancelled_quantity")))
    SalesOrder.objects.update(
        shipped_in_full=Case(When(shipped & ~open_line, then=Value(True)), default=Value(False)),
        shipped_uninvoiced=Exists(lines.filter(shipped_quantity__gt=F("invoiced_quantity"))),
        partially_invoiced=Case(
            When(invoiced & uninvoiced, then=Value(True)), default=Value(False)
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_receivable_base"),
        ("salesorders", "0024_pending_approval_credit_policy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="salesorder",
            name="partially_invoiced",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="shipped_in_full",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="shipped_uninvoiced",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(("shipped_in_full", True), ("status", "issued")),
                fields=["-reference_number"],
                name="salesorder_ready_to_complete",
            ),
        ),
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(
                    ("shipped_uninvoiced", True), models.Q(("status", "cancelled"), _negated=True)
                ),
                fields=["-reference_number"],
                name="salesorder_shipped_uninvoiced",
            ),
        ),
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(("partially_invoiced", True)),
                fields=["-reference_number"],
                name="salesorder_partially_invoiced",
            ),
        ),
    ]
