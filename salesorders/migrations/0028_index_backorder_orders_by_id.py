"""Issued and On Hold orders by primary key, for merging them with their open lines."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("salesorders", "0027_index_orders_by_target_date_and_reference"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(("status__in", ("issued", "on_hold"))),
                fields=["id"],
                name="salesorder_backorder_ids",
            ),
        ),
    ]
