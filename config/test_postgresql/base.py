"""PostgreSQL for the test suite only (config/test_settings.py): Django's backend, except that
emptying the tables between transactional tests deletes their rows instead of truncating them.

TRUNCATE makes new files for every table, a fixed cost of seconds on a busy server for the
few rows a test writes; DELETE of those rows takes milliseconds and leaves the same empty
tables (sequences are not reset by either). Every foreign key Django makes is DEFERRABLE
INITIALLY DEFERRED, so the order of the DELETEs does not matter to the keys; flush runs them
in one transaction. It does matter to a table that triggers write: the order table's DELETE
trigger adds rows to the running totals (salesorders/totals.py) for the orders it deletes, so
the totals are deleted last, after the orders (TRUNCATE has its own trigger that empties them).
Asked to reset sequences or to cascade, it truncates as Django does.
"""

from django.db.backends.postgresql import base, operations

# Written by triggers on other tables' DELETEs: emptied after every other table.
WRITTEN_BY_TRIGGERS = ("salesorders_orderdaytotal",)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in sorted(tables, key=lambda table: table in WRITTEN_BY_TRIGGERS)
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
