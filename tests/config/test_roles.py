"""The role groups, synced after every migrate, and what each may do."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from config.roles import ALL, DOMAIN_APPS, ROLES, sync_role_groups

pytestmark = pytest.mark.django_db


def perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def granted(group_name: str) -> set[str]:
    """What the ROLES table grants the group, over every model of the domain apps."""
    expected = set()
    for app_label, models in ROLES[group_name].items():
        for model in apps.get_app_config(app_label).get_models():
            name = model._meta.model_name
            if models == ALL:
                in_model = Permission.objects.filter(
                    content_type__app_label=app_label, content_type__model=name
                )
                codenames = in_model.values_list("codename", flat=True)
            else:
                codenames = [f"{action}_{name}" for action in models.get(name, [])]
            expected |= {f"{app_label}.{codename}" for codename in codenames}
    return expected


def test_the_three_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Sales", "Warehouse", "Managers"}


def test_sales_manage_customers_and_orders_but_not_stock_or_closing_orders():
    sales = perms("Sales")
    assert {"customers.add_customer", "customers.change_address"} <= sales
    assert {"salesorders.add_salesorder", "salesorders.change_salesorderline"} <= sales
    assert "inventory.view_part" in sales
    assert "inventory.change_stockitem" not in sales
    assert "salesorders.cancel_salesorder" not in sales
    assert "salesorders.complete_salesorder" not in sales
    assert "shipping.add_allocation" not in sales


def test_warehouse_manage_stock_and_shipments_and_read_orders():
    warehouse = perms("Warehouse")
    assert {"inventory.add_stockitem", "inventory.change_stockitem"} <= warehouse
    assert {"shipping.add_shipment", "shipping.add_allocation"} <= warehouse
    assert "shipping.complete_shipment" in warehouse
    assert "salesorders.view_salesorder" in warehouse
    assert "salesorders.change_salesorder" not in warehouse
    assert "customers.change_customer" not in warehouse


def test_managers_may_do_everything_including_cancel_and_complete():
    managers = perms("Managers")
    assert {"salesorders.cancel_salesorder", "salesorders.complete_salesorder"} <= managers
    assert perms("Sales") | perms("Warehouse") <= managers
    assert "salesorders.change_salesordersettings" in managers


@pytest.mark.parametrize("group_name", list(ROLES))
def test_each_role_holds_exactly_what_the_roles_table_grants(group_name):
    """Every model of every domain app is covered, whichever migration added it."""
    assert perms(group_name) == granted(group_name)


def test_managers_hold_every_permission_of_every_domain_model():
    every = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    }
    assert "order_calendar.view_ordercalendarevent" in every
    models = [m for label in DOMAIN_APPS for m in apps.get_app_config(label).get_models()]
    assert all(f"{m._meta.app_label}.view_{m._meta.model_name}" in every for m in models)
    unlock_logins = {"axes.view_accessattempt", "axes.delete_accessattempt"}
    attachments_admin = {"core.view_attachment", "core.change_attachment"}
    jobs_page = {
        "core.view_jobstate",
        "core.change_jobstate",
        "core.view_emailmessagelog",
        "django_tasks_database.view_dbtaskresult",
    }
    assert perms("Managers") == every | unlock_logins | attachments_admin | jobs_page


def test_a_model_added_later_joins_the_roles_after_migrate_without_a_migration():
    """A model whose permissions do not exist yet (as when its migration was just written)
    has them created and granted by `migrate` itself: no role migration to add."""
    ContentType.objects.filter(app_label="inventory", model="pricebreak").delete()
    ContentType.objects.clear_cache()
    assert "inventory.view_pricebreak" not in perms("Sales")
    assert not any(p.endswith("_pricebreak") for p in perms("Managers"))

    call_command("migrate", verbosity=0)

    assert "inventory.view_pricebreak" in perms("Sales")
    assert "inventory.change_pricebreak" not in perms("Sales")
    assert {f"inventory.{a}_pricebreak" for a in ("add", "change", "delete", "view")} <= perms(
        "Warehouse"
    )
    for group_name in ROLES:
        assert perms(group_name) == granted(group_name)


def test_syncing_again_changes_nothing():
    before = {name: perms(name) for name in ROLES}
    groups = Group.objects.count()
    sync_role_groups()
    sync_role_groups()
    assert {name: perms(name) for name in ROLES} == before
    assert Group.objects.count() == groups
