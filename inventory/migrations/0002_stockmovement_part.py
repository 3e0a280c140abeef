"""StockMovement.part: the stock item's part, copied onto each movement, with the index a part
page reads its latest movements from.

The column is added without its foreign key constraint, filled with one UPDATE, then made
NOT NULL and constrained. Adding the constraint afterwards lets PostgreSQL check every row in
one pass, instead of one queued foreign key check per updated row (840,000 at 100,000 orders),
and leaves no pending trigger events that would refuse the ALTER TABLE in this transaction.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_part_from_stock_item(apps, schema_editor):
    StockItem = apps.get_model("inventory", "StockItem")
    StockMovement = apps.get_model("inventory", "StockMovement")
    part_of_item = StockItem.objects.filter(pk=OuterRef("stock_item_id")).values("part_id")
    StockMovement.objects.using(schema_editor.connection.alias).update(
        part_id=Subquery(part_of_item[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="stockmovement",
            name="part",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_movements",
                to="inventory.part",
            ),
        ),
        migrations.RunPython(fill_part_from_stock_item, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="stockmovement",
            name="part",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_movements",
                to="inventory.part",
            ),
        ),
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(
                fields=["part", "-created_at", "-id"], name="stockmovement_part_recent"
            ),
        ),
    ]
