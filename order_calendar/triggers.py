"""The SQLite half of the feed generation's triggers (migration 0002_feed_generation), kept
here so that they can be put back after another app's migration rebuilt a watched table
(core.triggers): `ensure_sqlite_triggers` runs after every `migrate` (apps.py), so a new column
on orders never silently stops the feed's ETag from changing."""

from django.db import connection as default_connection

from core import triggers

WATCHED = ["salesorders_salesorder", "salesorders_salesorderline", "customers_customer"]
OPERATIONS = ["INSERT", "UPDATE", "DELETE"]

# The counter row comes back (at a random number, so values seen before a flush are unlikely
# to return) if something deleted it.
SQLITE_BUMP = """
    INSERT OR IGNORE INTO order_calendar_feedgeneration (id, generation, changed_at)
    VALUES (1, abs(random() % 1000000000000), strftime('%Y-%m-%d %H:%M:%f', 'now'));
    UPDATE order_calendar_feedgeneration
    SET generation = generation + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE id = 1;
"""

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER IF NOT EXISTS order_calendar_feed_{table}_{operation.lower()}
    AFTER {operation} ON {table} FOR EACH ROW BEGIN {SQLITE_BUMP} END
    """
    for table in WATCHED
    for operation in OPERATIONS
]
SQLITE_DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS order_calendar_feed_{table}_{operation.lower()}"
    for table in WATCHED
    for operation in OPERATIONS
]


def ensure_sqlite_triggers(connection=default_connection) -> None:
    """On SQLite, create the feed triggers a rebuilt table lost (a no-op elsewhere, and before
    the calendar's own migration made its counter table)."""
    triggers.ensure_sqlite_triggers(connection, SQLITE_TRIGGERS, "order_calendar_feedgeneration")
