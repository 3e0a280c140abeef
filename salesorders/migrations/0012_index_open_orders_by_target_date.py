# Overdue (open, past the target date, something still to ship): the list's "overdue only"
# and the dashboard read the few open orders by target date, whatever the closed ones number.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("salesorders", "0011_cancelled_orders_cancel_their_remainder"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="salesorder",
            index=models.Index(
                condition=models.Q(("status__in", ("pending", "issued", "on_hold"))),
                fields=["target_date"],
                name="salesorder_open_target",
            ),
        ),
    ]
