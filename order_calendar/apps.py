from django.apps import AppConfig


class OrderCalendarConfig(AppConfig):
    name = "order_calendar"
    verbose_name = "Order calendar"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from order_calendar import receivers
        from salesorders.signals import order_changed

        order_changed.connect(receivers.refresh_stored_events, dispatch_uid="order_calendar")
