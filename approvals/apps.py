from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Approval rules and rounds for any document (orders now; returns, credit notes later)."""

    name = "approvals"
    default_auto_field = "django.db.models.BigAutoField"
