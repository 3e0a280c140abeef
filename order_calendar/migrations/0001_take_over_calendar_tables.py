"""Take over the calendar's two tables from salesorders, rows and all.

State only for the tables: they keep their names (db_table), so nothing is copied or renamed
and a server still running the previous release keeps reading them during a deploy. The
content types move to this app too (the same rows, relabelled), so the permissions, the
groups and users holding them, and the admin history stay attached; none is duplicated."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["calendarfeedtoken", "ordercalendarevent"]


def _move_content_types(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        old = content_types.filter(app_label=source, model=model).first()
        if old is None:
            continue  # a new database: post_migrate creates it in its new app
        new = content_types.filter(app_label=target, model=model).first()
        if new is not None:
            # Made for the new app before this ran: its permissions' holders move onto the old
            # ones (which the admin history and the groups already point at), then it goes.
            for permission in Permission.objects.filter(content_type=new):
                kept = Permission.objects.filter(
                    content_type=old, codename=permission.codename
                ).first()
                if kept is None:
                    permission.content_type = old
                    permission.save(update_fields=["content_type"])
                    continue
                kept.group_set.add(*permission.group_set.all())
                kept.user_set.add(*permission.user_set.all())
                permission.delete()
            new.delete()
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def content_types_to_order_calendar(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="salesorders", target="order_calendar")


def content_types_back_to_salesorders(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="order_calendar", target="salesorders")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("salesorders", "0009_calendar_models_leave_for_order_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarFeedToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="calendar_feed_token",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "salesorders_calendarfeedtoken"},
                ),
                migrations.CreateModel(
                    name="OrderCalendarEvent",
                    fields=[
                        (
                            "order",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="calendar_event",
                                serialize=False,
                                to="salesorders.salesorder",
                            ),
                        ),
                        ("version", models.PositiveIntegerField()),
                        ("source", models.CharField(max_length=32)),
                        ("ics", models.TextField()),
                        ("built_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={"db_table": "salesorders_ordercalendarevent"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_order_calendar, content_types_back_to_salesorders),
    ]
