"""CalendarFeedToken and OrderCalendarEvent now belong to order_calendar.

State only: the tables, their rows and their names stay as they are; order_calendar's 0001
takes them over (db_table) and moves their content types and permissions."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("salesorders", "0008_event_kind_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CalendarFeedToken"),
                migrations.DeleteModel(name="OrderCalendarEvent"),
            ],
            database_operations=[],
        ),
    ]
