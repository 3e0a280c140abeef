from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project itself: dashboard, role groups, demo and generated data.

    It sits above every domain app (customers, inventory <- salesorders <- shipping) and may
    import any of them; none of them imports it.
    """

    name = "config"
    verbose_name = "Sales orders"
    default_auto_field = "django.db.models.BigAutoField"
