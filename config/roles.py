"""The three roles and what each may do, as data.

Used by the migration that creates the groups, and by tests that must re-create them after a
transactional test has emptied the tables.
"""

from django.contrib.auth.management import create_permissions

DOMAIN_APPS = ["customers", "inventory", "salesorders", "shipping", "order_calendar"]
CRUD = ["add", "change", "delete", "view"]
ALL = "__all__"

ROLES: dict[str, dict] = {
    # Sales people: customers and orders; they may look at stock and shipments.
    "Sales": {
        "customers": {"customer": CRUD, "address": CRUD, "contact": CRUD},
        "salesorders": {
            "salesorder": CRUD,
            "salesorderline": CRUD,
            "salesorderextraline": CRUD,
            "salesorderevent": ["view"],
        },
        "inventory": {
            "part": ["view"],
            "pricebreak": ["view"],
            "taxrate": ["view"],
            "stocklocation": ["view"],
            "stockitem": ["view"],
            "stockmovement": ["view"],
        },
        "shipping": {"shipment": ["view"], "allocation": ["view"]},
    },
    # Warehouse staff: stock, shipments and allocations; they read orders and customers.
    "Warehouse": {
        "customers": {"customer": ["view"], "address": ["view"], "contact": ["view"]},
        "salesorders": {
            "salesorder": ["view"],
            "salesorderline": ["view"],
            "salesorderextraline": ["view"],
            "salesorderevent": ["view"],
        },
        "inventory": ALL,
        "shipping": ALL,
    },
    # Managers: everything, including cancelling and completing orders and the settings.
    "Managers": {app: ALL for app in DOMAIN_APPS},
}


def sync_role_groups(apps) -> None:
    """Create or update the role groups so they hold exactly the permissions above."""
    for app_config in apps.get_app_configs():
        # Permissions are normally created after migrate; make sure they exist now.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = []
        for app_label, models in grants.items():
            in_app = Permission.objects.filter(content_type__app_label=app_label)
            if models == ALL:
                permissions += list(in_app)
                continue
            for model, actions in models.items():
                codenames = [f"{action}_{model}" for action in actions]
                permissions += list(
                    in_app.filter(content_type__model=model, codename__in=codenames)
                )
        group.permissions.set(permissions)


def delete_role_groups(apps) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
