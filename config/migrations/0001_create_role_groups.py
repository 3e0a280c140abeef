"""Formerly created the role groups; kept (as a no-op) so migration history stays valid.

The groups are synced after every migrate by config.roles.sync_roles_after_migrate
(post_migrate), which also covers models added by later migrations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("inventory", "0001_initial"),
        ("salesorders", "0001_initial"),
        ("shipping", "0001_initial"),
    ]

    operations = []
