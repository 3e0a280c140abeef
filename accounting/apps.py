from django.apps import AppConfig


class AccountingConfig(AppConfig):
    """Base currency and exchange rates, tax rules by destination."""

    name = "accounting"
    default_auto_field = "django.db.models.BigAutoField"
