from django.db import migrations, models


def manual_where_overridden(apps, schema_editor):
    """price_overridden becomes `price_source == "manual"`: keep every typed price manual."""
    SalesOrderLine = apps.get_model("salesorders", "SalesOrderLine")
    SalesOrderLine.objects.filter(price_overridden=True).exclude(price_source="manual").update(
        price_source="manual"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("salesorders", "0009_calendar_models_leave_for_order_calendar"),
    ]

    operations = [
        migrations.RunPython(manual_where_overridden, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="salesorderline",
            name="price_overridden",
        ),
        migrations.AlterField(
            model_name="salesorderline",
            name="price_source",
            field=models.CharField(
                choices=[("list", "List price"), ("break", "Price break"), ("manual", "Manual")],
                default="list",
                max_length=10,
            ),
        ),
    ]
