# The Backorders page's count and first page: only open lines of Issued and On Hold orders,
# read in queue order (priority, then target date).

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("salesorders", "0005_index_salesorder_search_trigram"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(("status__in", ("issued", "on_hold"))),
                fields=["-priority", "target_date", "reference"],
                name="salesorder_backorder_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="salesorderline",
            index=models.Index(
                condition=models.Q(
                    (
                        "quantity__gt",
                        django.db.models.expressions.CombinedExpression(
                            models.F("shipped_quantity"), "+", models.F("cancelled_quantity")
                        ),
                    )
                ),
                fields=["order"],
                name="salesorderline_open",
            ),
        ),
    ]
