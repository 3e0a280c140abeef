"""On PostgreSQL, periods cannot overlap by the database's own rule: an exclusion constraint on
the inclusive date range (GiST on a daterange needs no extension). SQLite keeps the service's
check, serialised by its IMMEDIATE write transactions."""

from django.db import migrations

ADD = (
    "ALTER TABLE accounting_accountingperiod ADD CONSTRAINT accountingperiod_no_overlap "
    "EXCLUDE USING gist (daterange(start, \"end\", '[]') WITH &&)"
)
DROP = "ALTER TABLE accounting_accountingperiod DROP CONSTRAINT accountingperiod_no_overlap"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0003_period_events")]

    operations = [migrations.RunPython(add, drop)]
