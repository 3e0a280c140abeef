"""The orders by target date and then reference, for the calendar's first orders of each date."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_receivable_base"),
        ("salesorders", "0026_stored_to_ship_and_covering_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="salesorder",
            name="salesorder_target_date",
        ),
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                fields=["target_date", "reference_number"], name="salesorder_target_ref"
            ),
        ),
    ]
