"""Create the Sales, Warehouse and Managers groups with their permissions."""

from django.db import migrations

from config.roles import delete_role_groups, sync_role_groups


def create_groups(apps, schema_editor):
    sync_role_groups(apps)


def remove_groups(apps, schema_editor):
    delete_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("inventory", "0001_initial"),
        ("salesorders", "0001_initial"),
        ("shipping", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
