"""Running totals of orders per day (models.OrderDayTotal) for the dashboard's figures and
chart, the triggers that keep them (salesorders.totals) and one count of the existing orders,
taken under a lock that keeps orders from being written until the migration commits."""

from django.db import migrations, models

# The statements live in the app, which puts the SQLite triggers back after a table rebuild.
from salesorders.totals import PG_BACKWARD, PG_FORWARD, SQLITE_DROP_TRIGGERS, SQLITE_TRIGGERS
from salesorders.totals import recount_sql


def _forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("LOCK TABLE salesorders_salesorder IN SHARE MODE", params=None)
        statements = PG_FORWARD
    else:
        statements = SQLITE_TRIGGERS
    for sql in [*statements, *recount_sql(vendor)]:
        schema_editor.execute(sql, params=None)


def _backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_BACKWARD if vendor == "postgresql" else SQLITE_DROP_TRIGGERS:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("salesorders", "0028_index_backorder_orders_by_id")]

    operations = [
        migrations.CreateModel(
            name="OrderDayTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("open", "Open orders by target date"),
                            ("sold", "Sales by order date"),
                        ],
                        max_length=4,
                    ),
                ),
                ("day", models.DateField(null=True)),
                ("to_ship", models.BooleanField(default=False)),
                ("orders", models.IntegerField(default=0)),
                ("value_cents", models.BigIntegerField(default=0)),
                ("merged", models.BooleanField(default=False)),
            ],
            options={
                "indexes": [models.Index(fields=["kind", "day"], name="orderdaytotal_kind_day")]
            },
        ),
        migrations.RunPython(_forward, _backward),
    ]
