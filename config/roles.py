"""The roles and what each may do, as data.

`sync_role_groups` runs after every `migrate` (and `flush`) through the post_migrate receiver
that config/apps.py connects, so a model added later is in the roles as soon as its migration
is applied, without a migration of its own. Tests that empty the tables call it too.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

DOMAIN_APPS = [
    "customers",
    "inventory",
    "accounting",
    "approvals",
    "salesorders",
    "shipping",
    "order_calendar",
    "quotes",
    "invoicing",
]
INVOICES_VIEW = {
    "invoice": ["view"],
    "invoiceline": ["view"],
    "payment": ["view"],
    "invoicesettings": ["view"],
}
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
            "creditwarning": ["view"],
        },
        # Submit and resubmit are changes of the order (change_salesorder); they read rounds.
        "approvals": {
            "approvalrule": ["view"],
            "approvalrequest": ["view"],
            "approvalstep": ["view"],
            "approvaldecision": ["view"],
        },
        "inventory": {
            "part": ["view"],
            "pricebreak": ["view"],
            "taxrate": ["view"],
            "stocklocation": ["view"],
            "stockitem": ["view"],
            "stockmovement": ["view"],
            "pricelist": ["view"],
            "pricelistprice": ["view"],
        },
        # They book lines to revenue accounts and dimension values, and read the periods.
        "accounting": {
            "exchangerate": ["view"],
            "taxrule": ["view"],
            "account": ["view"],
            "dimension": ["view"],
            "dimensionvalue": ["view"],
            "accountingperiod": ["view"],
        },
        "shipping": {"shipment": ["view"], "allocation": ["view"]},
        "invoicing": INVOICES_VIEW,
        # Quotes they make, send, decline and turn into orders.
        "quotes": {"salesquote": CRUD, "salesquoteline": CRUD, "quotesettings": ["view"]},
    },
    # Warehouse staff: stock, shipments and allocations; they read orders and customers.
    "Warehouse": {
        "customers": {"customer": ["view"], "address": ["view"], "contact": ["view"]},
        "salesorders": {
            "salesorder": ["view"],
            # "deliver": Mark Delivered on service lines (installation, certificates).
            "salesorderline": ["view", "deliver"],
            "salesorderextraline": ["view"],
            "salesorderevent": ["view"],
        },
        "inventory": ALL,
        "shipping": ALL,
        "invoicing": {"invoice": ["view"], "invoiceline": ["view"]},
    },
    # Credit controllers: credit limits and credit decisions; they read orders and customers.
    "Credit Control": {
        "customers": {"customer": ["view", "change"], "address": ["view"], "contact": ["view"]},
        "salesorders": {
            "salesorder": ["view"],
            # The credit policy (warn, require approval, block): a field of the settings row.
            "salesordersettings": ["credit"],
            "creditwarning": ["view"],
            "salesorderline": ["view"],
            "salesorderextraline": ["view"],
            "salesorderevent": ["view"],
        },
        "accounting": {"exchangerate": ["view"], "taxrule": ["view"], "accountingperiod": ["view"]},
        "invoicing": INVOICES_VIEW,
        # They decide the approval steps given to them (the credit rule's).
        "approvals": {
            "approvalrule": ["view"],
            "approvalrequest": ["view"],
            "approvalstep": ["view"],
            "approvaldecision": ["add", "view"],
        },
    },
    # Accounts: accounting periods, the chart of accounts and dimensions (and invoices and
    # payments); they read orders and customers.
    "Accounts": {
        "customers": {"customer": ["view"], "address": ["view"], "contact": ["view"]},
        "salesorders": {
            "salesorder": ["view"],
            "salesorderline": ["view"],
            "salesorderextraline": ["view"],
            "salesorderevent": ["view"],
            "salesorderlinedimension": ["view"],
            # The revenue account each part's new lines book to.
            "partrevenueaccount": CRUD,
        },
        "accounting": ALL,
        "shipping": {"shipment": ["view"], "allocation": ["view"]},
        "invoicing": ALL,
    },
    # Managers: everything, including cancelling and completing orders and the settings.
    # They unlock a login locked by too many wrong passwords (Axes' access attempts, admin).
    # In the admin they see every attachment (deleted ones too) and delete them (softly).
    # The Jobs page: failed background jobs, with Retry; every task row in the admin.
    "Managers": {app: ALL for app in DOMAIN_APPS}
    | {
        "axes": {"accessattempt": ["view", "delete"]},
        "core": {
            "attachment": ["view", "change"],
            "jobstate": ["view", "change"],
            "emailmessagelog": ["view"],
        },
        "django_tasks_database": {"dbtaskresult": ["view"]},
    },
}


def sync_role_groups(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create or update the role groups so they hold exactly the permissions above.

    Idempotent and quiet: creates any missing permission first (whichever app's post_migrate
    has not run yet), then sets each group's permissions."""
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True  # migration state apps have none
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        permissions = []
        for app_label, models in grants.items():
            in_app = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if models == ALL:
                permissions += list(in_app)
                continue
            for model, actions in models.items():
                codenames = [f"{action}_{model}" for action in actions]
                permissions += list(
                    in_app.filter(content_type__model=model, codename__in=codenames)
                )
        group.permissions.set(permissions)


def sync_roles_after_migrate(sender, *, apps=global_apps, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate receiver: sync the roles once per migrate or flush, on the signal of the
    last installed app with models (Django sends one per app, each creating that app's
    permissions)."""
    last = [c for c in global_apps.get_app_configs() if c.models_module is not None][-1]
    if sender.label == last.label:
        sync_role_groups(apps, using=using)
