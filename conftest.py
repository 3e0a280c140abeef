"""Fixtures every test may use, and the rules for PostgreSQL-only and browser tests.

`postgres` tests skip, with the reason shown, on SQLite; with REQUIRE_POSTGRES=1 they fail
instead. `browser` tests skip when Chromium is missing; with REQUIRE_BROWSER=1 they fail.
"""

import os
import shutil

import pytest
from django.contrib.auth.models import Group

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _has_browser() -> bool:
    return bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not _on_postgres():
        if _flag("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("browser") and not _has_browser():
        if _flag("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER=1 but Chromium is missing at {CHROMIUM}")
        pytest.skip(f"needs Chromium at {CHROMIUM}")


def _user_in(group_name: str | None, username: str, **extra):
    from django.apps import apps

    from config.roles import sync_role_groups
    from tests.factories import UserFactory

    user = UserFactory(username=username, **extra)
    if group_name:
        if not Group.objects.filter(name=group_name).exists():
            sync_role_groups(apps)  # a transactional test emptied the tables
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def user(db):
    """A logged-in-able user with no role: may see nothing but the dashboard."""
    return _user_in(None, "nobody")


@pytest.fixture
def sales_user(db):
    return _user_in("Sales", "sally")


@pytest.fixture
def warehouse_user(db):
    return _user_in("Warehouse", "walter")


@pytest.fixture
def manager_user(db):
    return _user_in("Managers", "maria", is_staff=True)


@pytest.fixture
def sales_client(client, sales_user):
    client.force_login(sales_user)
    return client


@pytest.fixture
def warehouse_client(client, warehouse_user):
    client.force_login(warehouse_user)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client
