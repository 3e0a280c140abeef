from django.db import migrations

# Rows whose counters change on every edit keep free room in their page (PostgreSQL), so an
# update that changes no indexed column is written in place (HOT) instead of elsewhere with
# a new entry in every index.
TABLES = ("salesorders_salesorder", "salesorders_salesorderline")
FILLFACTOR = 90


def set_fillfactor(apps, schema_editor, value=FILLFACTOR):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {value})")


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, value=100)


class Migration(migrations.Migration):
    dependencies = [("salesorders", "0013_salesorder_updated_by_unindexed")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=True)]
