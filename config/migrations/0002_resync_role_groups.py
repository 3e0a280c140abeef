"""Formerly re-synced the role groups; kept (as a no-op) so migration history stays valid.

No migration is needed when a model is added: config.roles.sync_roles_after_migrate syncs the
groups after every migrate (post_migrate)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("config", "0001_create_role_groups"),
        ("customers", "0002_iso_currency_and_country"),
        ("inventory", "0001_initial"),
        ("salesorders", "0006_open_line_and_backorder_queue_indexes"),
        ("shipping", "0001_initial"),
    ]

    operations = []
