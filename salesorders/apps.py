from django.apps import AppConfig


class SalesordersConfig(AppConfig):
    name = "salesorders"
    verbose_name = "Sales orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from approvals import registry
        from salesorders.approvals import salesorder_summaries

        registry.register("salesorders.salesorder", summaries=salesorder_summaries)
