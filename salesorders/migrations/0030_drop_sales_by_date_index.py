"""The dashboard's chart reads the running totals per day (0029): nothing reads the covering
index of issued orders by order date any more, and every write of an order kept it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("salesorders", "0029_order_day_totals")]

    operations = [
        migrations.RemoveIndex(model_name="salesorder", name="salesorder_sales_by_date"),
    ]
