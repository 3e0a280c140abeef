"""Backups as README "Backups and restores" describes them: a demo database backed up and
restored into a new one holds every order, line and stock movement it had.

SQLite: the online backup (`VACUUM INTO`, or `sqlite3 db ".backup file"`), safe while the app
writes. PostgreSQL: `pg_dump -Fc` and `pg_restore` into a new database, on a cluster of the
test's own (bench/pgcluster.py)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bench import pgcluster

# Each builds its databases itself and never touches the run's: .ci/run runs them once.
pytestmark = pytest.mark.own_database
ROOT = Path(__file__).resolve().parents[2]
# What must come back: each row's key and the values a person would miss.
QUERIES = {
    "orders": "SELECT id, reference, status, total FROM salesorders_salesorder ORDER BY id",
    "lines": "SELECT id, order_id, part_sku, quantity, total FROM salesorders_salesorderline"
    " ORDER BY id",
    "movements": "SELECT id, stock_item_id, quantity_delta, kind FROM inventory_stockmovement"
    " ORDER BY id",
}


def _manage(env: dict, *args: str) -> None:
    # The database is the one `env` names: never the DATABASE_URL the test run itself uses.
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "SQLITE_PATH")
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _demo_database(env: dict) -> None:
    _manage(env, "migrate", "--verbosity", "0")
    _manage(env, "demo_data")


def _rows(run_query) -> dict:
    rows = {name: run_query(sql) for name, sql in QUERIES.items()}
    assert all(rows.values()), {name: len(found) for name, found in rows.items()}
    return rows


def test_sqlite_online_backup_restores_every_order_line_and_movement(tmp_path):
    live = tmp_path / "db.sqlite3"
    _demo_database({"SQLITE_PATH": str(live)})

    def query(path):
        with sqlite3.connect(path) as db:
            return lambda sql: db.execute(sql).fetchall()

    before = _rows(query(live))
    vacuumed, dotted = tmp_path / "backup-vacuum.sqlite3", tmp_path / "backup-dot.sqlite3"
    with sqlite3.connect(live) as db:
        db.execute("VACUUM INTO ?", (str(vacuumed),))
    subprocess.run(["sqlite3", str(live), f".backup {dotted}"], check=True)
    for backup in (vacuumed, dotted):
        restored = tmp_path / f"restored-{backup.name}"
        restored.write_bytes(backup.read_bytes())  # restoring is copying the file back
        assert _rows(query(restored)) == before
        _manage({"SQLITE_PATH": str(restored)}, "check", "--database", "default")


@pytest.mark.skipif(bool(pgcluster.available()), reason=pgcluster.available())
def test_pg_dump_and_pg_restore_restore_every_order_line_and_movement(tmp_path):
    pg = pgcluster.OwnPostgres().init()
    try:
        live = pg.createdb("live")
        _demo_database({"DATABASE_URL": live})
        dump = tmp_path / "live.dump"
        client = {"env": {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(pg.port)}}
        bin_ = pgcluster.BIN
        subprocess.run(
            [bin_ / "pg_dump", "-U", "postgres", "-Fc", "-f", dump, "live"], check=True, **client
        )
        restored = pg.createdb("restored")
        subprocess.run(
            [bin_ / "pg_restore", "-U", "postgres", "--no-owner", "-d", "restored", dump],
            check=True,
            **client,
        )

        def rows(url):
            with psycopg.connect(url) as db:
                return _rows(lambda sql: [tuple(r) for r in db.execute(sql).fetchall()])

        assert rows(restored) == rows(live)
    finally:
        pg.destroy()
