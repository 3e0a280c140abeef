"""Permissions: one query a request, none while a shared cache holds them, and a change of
role seen on the very next request (in any process)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def permission_queries(captured) -> int:
    return sum(1 for q in captured.captured_queries if "auth_permission" in q["sql"])


@pytest.fixture
def shared_cache(tmp_path):
    """A cache every process shares (files here; Redis in production)."""
    backend = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"}
    with override_settings(CACHES={"default": {**backend, "LOCATION": str(tmp_path)}}):
        yield


def test_a_page_reads_permissions_in_one_query(sales_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as captured:
        assert sales_client.get(reverse("salesorders:list")).status_code == 200
    assert permission_queries(captured) == 1


def test_a_shared_cache_keeps_permissions_until_a_group_loses_one(
    shared_cache, sales_client, sales_user, django_assert_max_num_queries
):
    page = reverse("salesorders:list")
    assert sales_client.get(page).status_code == 200
    with django_assert_max_num_queries(20) as captured:
        assert sales_client.get(page).status_code == 200
    assert permission_queries(captured) == 0

    view = Permission.objects.get(codename="view_salesorder")
    Group.objects.get(name="Sales").permissions.remove(view)
    assert sales_client.get(page).status_code == 403


def test_a_shared_cache_sees_a_user_leave_and_join_a_group(shared_cache, sales_client, sales_user):
    page = reverse("salesorders:list")
    assert sales_client.get(page).status_code == 200
    sales = Group.objects.get(name="Sales")
    sales_user.groups.remove(sales)
    assert sales_client.get(page).status_code == 403
    sales.user_set.add(sales_user)
    assert sales_client.get(page).status_code == 200
