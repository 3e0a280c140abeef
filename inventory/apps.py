from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.numbers import register_unit_decimals
        from inventory.models import UNITS

        # core's `qty` filter and QuantityColumn show a quantity with its unit's decimals.
        register_unit_decimals({unit: rule.decimals for unit, rule in UNITS.items()})
