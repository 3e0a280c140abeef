"""The suite runs on config.test_settings (a cheap hasher); production keeps Django's default."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_hashes_passwords_cheaply_and_production_does_not():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.PASSWORD_HASHERS)",
        ],
        cwd=ROOT,
        env={"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "PBKDF2PasswordHasher" in result.stdout.split(",")[0]


def test_a_user_still_logs_in_with_the_real_password(client, django_user_model):
    django_user_model.objects.create_user(username="hanna", password="correct horse")
    assert not client.login(username="hanna", password="wrong horse")
    assert client.login(username="hanna", password="correct horse")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_empties_every_table_and_keeps_sequences():
    """config/test_postgresql deletes rows instead of truncating: rows that reference each
    other (an order, its line, its part) all go, whatever the order of the DELETEs."""
    from django.apps import apps
    from django.core.management import call_command
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SalesOrderLineFactory

    line = SalesOrderLineFactory()
    assert connection.settings_dict["ENGINE"] == "config.test_postgresql"
    # As TransactionTestCase flushes (and as pytest-django's transactional_db does).
    with CaptureQueriesContext(connection) as flushed:
        call_command(
            "flush",
            interactive=False,
            verbosity=0,
            reset_sequences=False,
            allow_cascade=False,
            inhibit_post_migrate=True,
        )
    statements = [query["sql"] for query in flushed.captured_queries]
    assert not [sql for sql in statements if "TRUNCATE" in sql]
    assert any(sql.startswith("DELETE FROM") for sql in statements)
    # The feed generation is a counter the order tables' triggers write on every change, the
    # flush's DELETEs included (order_calendar 0002): its one row comes back by design.
    kept = {"order_calendar.FeedGeneration"}
    left = {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.managed and m._meta.label not in kept
    }
    assert set(left.values()) == {0}, {label: n for label, n in left.items() if n}
    assert SalesOrderLineFactory().pk > line.pk  # nor did TRUNCATE restart them


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_flush_leaves_no_running_totals_whatever_order_it_is_given_the_tables_in():
    """The order table's DELETE trigger adds rows to the running totals for the orders it
    deletes; flush deletes the totals after the orders even when handed them first."""
    from django.core.management.color import no_style
    from django.db import transaction

    from salesorders.models import OrderDayTotal, OrderStatus
    from tests.factories import SalesOrderFactory

    SalesOrderFactory(status=OrderStatus.ISSUED)
    assert OrderDayTotal.objects.exists()
    tables = connection.introspection.django_table_names(only_existing=True)
    tables.sort(key=lambda table: table != OrderDayTotal._meta.db_table)  # the totals first
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(sql)
    assert not OrderDayTotal.objects.exists()
