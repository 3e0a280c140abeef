"""The salesperson choice: people who sell (Sales, Managers, superusers), by full name."""

import pytest
from django.contrib.auth import get_user_model

from salesorders.forms import SalesOrderCreateForm

pytestmark = pytest.mark.django_db


def test_salesperson_choices_are_sellers_by_full_name(sales_user, warehouse_user, manager_user):
    sales_user.first_name, sales_user.last_name = "Sally", "Seller"
    sales_user.save()
    get_user_model().objects.create_user("gone", is_active=False).groups.add(
        *sales_user.groups.all()
    )
    field = SalesOrderCreateForm().fields["salesperson"]
    labels = [label for value, label in field.choices if value]
    assert "Sally Seller" in labels
    assert (manager_user.get_full_name() or manager_user.username) in labels
    nameless = get_user_model().objects.create_user("nemo", is_superuser=True)
    labels = [label for value, label in SalesOrderCreateForm().fields["salesperson"].choices]
    assert nameless.username in labels  # a superuser sells; no full name: the login
    assert warehouse_user.username not in labels and "gone" not in labels
