from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConfigConfig(AppConfig):
    """The project itself: dashboard, role groups, demo and generated data.

    It sits above every app (core <- customers, inventory <- salesorders <- shipping,
    order_calendar) and may import any of them; none of them imports it.
    """

    name = "config"
    verbose_name = "Sales orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.roles import sync_roles_after_migrate

        # Django creates permissions on post_migrate; the role groups follow them there.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="config.sync_role_groups")
