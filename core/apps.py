from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: helpers every app may import. It imports nothing of ours.

    Domain errors, money and quantity helpers and their formatting, the list/table/export base,
    form and admin mixins, query-parameter parsing and the template tags `qty`, `amount` and
    `badge`; generic tables any record may use (idempotency keys, attachments with their
    upload, download and delete pages and API). No models of its own business: a helper that
    needs a rule belongs to an app.
    """

    name = "core"
    verbose_name = "Core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.auth import connect_invalidation
        from core.forms import use_iso_date_inputs

        connect_invalidation()
        use_iso_date_inputs()
