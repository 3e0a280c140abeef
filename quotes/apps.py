from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = "Sales quotes"
    default_auto_field = "django.db.models.BigAutoField"
