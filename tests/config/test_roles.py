"""The role groups the migration creates, and what each may do."""

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


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


def test_managers_hold_every_permission_of_the_apps_including_later_models():
    """Models added by later migrations are covered too (the groups are re-synced after them)."""
    from django.contrib.auth.models import Permission

    from config.roles import DOMAIN_APPS

    every = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    }
    assert "order_calendar.view_ordercalendarevent" in every
    assert perms("Managers") == every
