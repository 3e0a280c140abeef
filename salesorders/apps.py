from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _repair_totals(sender, using, **kwargs):
    from django.db import connections

    from salesorders.totals import repair_sqlite

    repair_sqlite(connections[using])


class SalesordersConfig(AppConfig):
    name = "salesorders"
    verbose_name = "Sales orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from approvals import registry
        from salesorders.approvals import salesorder_summaries

        registry.register("salesorders.salesorder", summaries=salesorder_summaries)
        # After any migrate or flush on SQLite: the running totals' triggers back (a rebuilt
        # order table lost them) and the totals counted again (totals.py).
        post_migrate.connect(_repair_totals, sender=self, dispatch_uid="order_day_totals")
