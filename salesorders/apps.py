from django.apps import AppConfig


class SalesordersConfig(AppConfig):
    name = "salesorders"
    verbose_name = "Sales orders"
    default_auto_field = "django.db.models.BigAutoField"
