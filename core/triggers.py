"""Database triggers that an app keeps on its tables, and their SQLite half's repair.

SQLite has no ALTER TABLE for most schema changes: Django's schema editor copies the table to
a new one and drops the old, and the triggers on it go with it. PostgreSQL alters the table in
place and keeps them. The app that owns such triggers calls `ensure_sqlite_triggers` after
every `migrate` (a post_migrate receiver), which creates whichever of them is missing, so a new
column never silently stops a trigger from firing.
"""

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper


def ensure_sqlite_triggers(
    connection: BaseDatabaseWrapper, statements: Iterable[str], needs_table: str
) -> bool:
    """On SQLite, run the `CREATE TRIGGER IF NOT EXISTS` statements once `needs_table` (the
    triggers' own table, made by the app's migration) exists. True when they ran; a no-op
    elsewhere."""
    if connection.vendor != "sqlite":
        return False
    if needs_table not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return True
