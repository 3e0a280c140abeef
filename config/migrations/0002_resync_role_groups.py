"""Re-sync the role groups after the models added since 0001 (calendar event store, ...).

Add another migration like this one, depending on the newest migrations, whenever a later
migration adds a model; tests/config/test_roles.py fails until it is there."""

from django.db import migrations

from config.roles import sync_role_groups


def resync_groups(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("config", "0001_create_role_groups"),
        ("customers", "0002_iso_currency_and_country"),
        ("inventory", "0001_initial"),
        ("salesorders", "0006_open_line_and_backorder_queue_indexes"),
        ("shipping", "0001_initial"),
    ]

    operations = [migrations.RunPython(resync_groups, migrations.RunPython.noop)]
