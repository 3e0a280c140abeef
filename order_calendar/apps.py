from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _put_back_feed_triggers(sender, using, **kwargs):
    from django.db import connections

    from order_calendar.triggers import ensure_sqlite_triggers

    ensure_sqlite_triggers(connections[using])


class OrderCalendarConfig(AppConfig):
    name = "order_calendar"
    verbose_name = "Order calendar"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from order_calendar import receivers
        from salesorders.signals import order_changed

        order_changed.connect(receivers.refresh_stored_events, dispatch_uid="order_calendar")
        # After any migrate: a migration that rebuilt a watched table on SQLite dropped the
        # feed's triggers with it (triggers.py).
        post_migrate.connect(_put_back_feed_triggers, sender=self, dispatch_uid="feed_triggers")
