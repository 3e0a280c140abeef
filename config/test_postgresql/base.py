"""PostgreSQL for the test suite only (config/test_settings.py): Django's backend, except that
emptying the tables between transactional tests deletes their rows instead of truncating them.

TRUNCATE makes new files for every table, a fixed cost of seconds on a busy server for the
few rows a test writes; DELETE of those rows takes milliseconds and leaves the same empty
tables (sequences are not reset by either). Every foreign key Django makes is DEFERRABLE
INITIALLY DEFERRED, so the order of the DELETEs does not matter; flush runs them in one
transaction. Asked to reset sequences or to cascade, it truncates as Django does.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
