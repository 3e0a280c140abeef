"""The running totals of orders per day (models.OrderDayTotal): the triggers that keep them,
their compaction and their recount.

A trigger on the order table adds, for each statement (PostgreSQL) or row (SQLite), what the
change took from and gave to each day's totals: an order that leaves the open statuses takes
its count and base total off its target date's OPEN row, an order issued adds them to its order
date's SOLD row. The triggers only insert, never update a total in place: an in-place total
would be one row per day that every transaction changing an order of that day locks until it
commits, so two of them changing orders of the same two days in opposite order would deadlock.
Inserted rows cost nothing to write and are summed by the reader; `compact()` folds them into
one row per day from time to time (`compact_if_due`, from the dashboard; the generator).

The triggers see every writer: services, queryset `.update()`, `bulk_update`, `.delete()`, the
admin, raw SQL, the generator's COPY. An UPDATE that changes none of the columns the totals
depend on adds nothing.

Migration 0029_order_day_totals creates them and counts the existing orders once. On SQLite a
table rebuild drops the triggers and a test's flush empties the tables one by one (the order
table's triggers add rows for what the flush deletes): after every `migrate` and flush
(post_migrate, apps.py) the triggers are put back and the totals counted again, which SQLite's
one writer at a time makes exact. PostgreSQL flushes with one TRUNCATE of every table, whose
trigger empties the totals (the test suite's flush deletes instead, the totals last:
config/test_postgresql).
"""

import logging

from django.db import OperationalError, transaction
from django.db import connection as default_connection

from core import triggers
from salesorders.models import OPEN_STATUSES, OrderDayTotal, OrderStatus, SalesOrder

ORDERS = SalesOrder._meta.db_table
TOTALS = OrderDayTotal._meta.db_table
COLUMNS = "kind, day, to_ship, orders, value_cents, merged"
OPEN, SOLD = OrderDayTotal.Kind.OPEN.value, OrderDayTotal.Kind.SOLD.value

_open_statuses = ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)
_cancelled = f"'{OrderStatus.CANCELLED.value}'"
# What a row of the order table gives to the totals, as (condition, kind, day, to_ship);
# `{r}` is the row ("NEW", "OLD" or a table alias).
CONTRIBUTIONS = [
    (f"{{r}}.status IN ({_open_statuses})", OPEN, "{r}.target_date", "{r}.something_to_ship"),
    (f"{{r}}.issued_at IS NOT NULL AND {{r}}.status <> {_cancelled}", SOLD, "{r}.order_date", None),
]
# The columns those read: an UPDATE that changes none of them changes no total.
READ_COLUMNS = [
    "status",
    "target_date",
    "something_to_ship",
    "issued_at",
    "order_date",
    "base_total",
]


def _cents(row: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"({row}.base_total * 100)::bigint"
    return f"CAST(round({row}.base_total * 100) AS INTEGER)"


def _false(vendor: str) -> str:
    return "false" if vendor == "postgresql" else "0"


def _true(vendor: str) -> str:
    return "true" if vendor == "postgresql" else "1"


def _contributions(row: str, vendor: str, sign: str = "1") -> list[tuple[str, str]]:
    """(select list, condition) of each (kind, day, to_ship, orders, cents) that `row` gives,
    times `sign`."""
    parts = []
    for condition, kind, day, to_ship in CONTRIBUTIONS:
        to_ship = to_ship.format(r=row) if to_ship else _false(vendor)
        columns = (
            f"'{kind}' AS kind, {day.format(r=row)} AS day, {to_ship} AS to_ship, "
            f"{sign} AS orders, {sign} * {_cents(row, vendor)} AS cents"
        )
        parts.append((columns, condition.format(r=row)))
    return parts


def _union(parts: list[tuple[str, str]], source: str) -> str:
    """The parts as one UNION ALL, each read `FROM source` (nothing for a trigger's row)."""
    source = f" FROM {source}" if source else ""
    return " UNION ALL ".join(f"SELECT {columns}{source} WHERE {where}" for columns, where in parts)


# --- PostgreSQL: statement-level triggers over the transition tables --------------------------


def _pg_delta(sources: list[tuple[str, str]]) -> str:
    """One INSERT of the summed changes of the transition tables `sources` ((table, sign))."""
    changes = " UNION ALL ".join(
        _union(_contributions("r", "postgresql", sign), f"{table} AS r") for table, sign in sources
    )
    return (
        f"INSERT INTO {TOTALS} ({COLUMNS}) "
        "SELECT kind, day, to_ship, sum(orders), sum(cents), false "
        f"FROM ({changes}) AS change "
        "GROUP BY kind, day, to_ship HAVING sum(orders) <> 0 OR sum(cents) <> 0"
    )


PG_EVENTS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows", [("new_rows", "1")]),
    "update": (
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        [("old_rows", "-1"), ("new_rows", "1")],
    ),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows", [("old_rows", "-1")]),
}
PG_FORWARD = [
    *(
        f"""
        CREATE FUNCTION salesorders_totals_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_pg_delta(sources)};
            RETURN NULL;
        END $$;
        CREATE TRIGGER salesorders_totals_{name} AFTER {event} ON {ORDERS}
        {referencing} FOR EACH STATEMENT EXECUTE FUNCTION salesorders_totals_{name}()
        """
        for name, (event, referencing, sources) in PG_EVENTS.items()
    ),
    f"""
    CREATE FUNCTION salesorders_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TOTALS};
        RETURN NULL;
    END $$;
    CREATE TRIGGER salesorders_totals_truncate AFTER TRUNCATE ON {ORDERS}
    FOR EACH STATEMENT EXECUTE FUNCTION salesorders_totals_truncate()
    """,
]
PG_BACKWARD = [
    f"DROP TRIGGER IF EXISTS salesorders_totals_{name} ON {ORDERS}; "
    f"DROP FUNCTION IF EXISTS salesorders_totals_{name}()"
    for name in [*PG_EVENTS, "truncate"]
]


# --- SQLite: row-level triggers ---------------------------------------------------------------


def _sqlite_inserts(row: str, sign: str) -> str:
    return "".join(
        f"INSERT INTO {TOTALS} ({COLUMNS}) SELECT *, 0 FROM ({_union([part], '')});"
        for part in _contributions(row, "sqlite", sign)
    )


_changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in READ_COLUMNS)
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS salesorders_totals_insert AFTER INSERT ON {ORDERS}
    FOR EACH ROW BEGIN {_sqlite_inserts("NEW", "1")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS salesorders_totals_update AFTER UPDATE ON {ORDERS}
    FOR EACH ROW WHEN {_changed}
    BEGIN {_sqlite_inserts("OLD", "-1")} {_sqlite_inserts("NEW", "1")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS salesorders_totals_delete AFTER DELETE ON {ORDERS}
    FOR EACH ROW BEGIN {_sqlite_inserts("OLD", "-1")} END""",
]
SQLITE_DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS salesorders_totals_{name}" for name in ("insert", "update", "delete")
]


# --- Recount and compaction -------------------------------------------------------------------


def _counted_sql(vendor: str) -> str:
    """SELECT kind, day, to_ship, orders, cents: every total counted from the orders."""
    counted = _union(_contributions("o", vendor), f"{ORDERS} AS o")
    return (
        "SELECT kind, day, to_ship, sum(orders), sum(cents) "
        f"FROM ({counted}) AS counted GROUP BY kind, day, to_ship"
    )


def recount_sql(vendor: str) -> list[str]:
    """Every total counted again from the orders, one merged row per day and kind."""
    return [
        f"DELETE FROM {TOTALS}",
        f"INSERT INTO {TOTALS} ({COLUMNS}) SELECT *, {_true(vendor)} FROM ({_counted_sql(vendor)})"
        " AS counted",
    ]


def mismatches(connection=default_connection) -> list[tuple]:
    """(kind, day, to_ship) whose kept totals differ from the orders' (bench.invariants)."""
    with connection.cursor() as cursor:
        cursor.execute(_counted_sql(connection.vendor))
        counted = {(k, str(d), bool(s)): (n, c) for k, d, s, n, c in cursor.fetchall()}
        cursor.execute(
            f"SELECT kind, day, to_ship, sum(orders), sum(value_cents) FROM {TOTALS} "
            "GROUP BY kind, day, to_ship HAVING sum(orders) <> 0 OR sum(value_cents) <> 0"
        )
        kept = {(k, str(d), bool(s)): (n, c) for k, d, s, n, c in cursor.fetchall()}
    return sorted(key for key in counted.keys() | kept.keys() if counted.get(key) != kept.get(key))


def recount(connection=default_connection) -> None:
    """Count every total again from the orders. On PostgreSQL, under a lock that lets orders be
    read but not written until it commits (exact whatever else runs)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {ORDERS} IN SHARE MODE")
        for sql in recount_sql(connection.vendor):
            cursor.execute(sql)


def repair_sqlite(connection=default_connection) -> None:
    """After a migrate or a flush on SQLite: the triggers back and the totals counted again."""
    if triggers.ensure_sqlite_triggers(connection, SQLITE_TRIGGERS, TOTALS):
        recount(connection)


logger = logging.getLogger(__name__)

# Once the triggers have added this many rows, the reader that finds them folds them into one
# per day (a few milliseconds; the rows read stay about the days shown).
COMPACT_AFTER = 2_000

# A transaction-level advisory lock: one compaction at a time (another one skips, it has
# nothing left to do). The number is this module's own.
COMPACT_LOCK = 7_302_011


def compact(connection=default_connection) -> bool:
    """Fold the rows the triggers added into one row per kind, day and `to_ship`; the totals
    read the same before and after, and orders keep being written meanwhile. False when
    another compaction was running (this one had nothing to do).

    PostgreSQL: one statement deletes the rows it sees and inserts their sums (a row a writer
    commits meanwhile is not seen and stays as it is). SQLite: one writer at a time; the rows up
    to the last id, summed and deleted in one transaction."""
    vendor = connection.vendor
    sums = (
        f"SELECT kind, day, to_ship, sum(orders), sum(value_cents), {_true(vendor)} "
        "FROM {rows} GROUP BY kind, day, to_ship HAVING sum(orders) <> 0 OR sum(value_cents) <> 0"
    )
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(
                f"WITH folded AS (DELETE FROM {TOTALS} RETURNING *) "
                f"INSERT INTO {TOTALS} ({COLUMNS}) {sums.format(rows='folded')}"
            )
            return True
        cursor.execute(f"SELECT max(id) FROM {TOTALS}")
        (last,) = cursor.fetchone()
        if last is not None:
            rows = f"{TOTALS} WHERE id <= {int(last)}"
            cursor.execute(f"INSERT INTO {TOTALS} ({COLUMNS}) {sums.format(rows=rows)}")
            cursor.execute(f"DELETE FROM {rows}")
        return True


def compact_if_due(unmerged: int) -> None:
    """compact() when `unmerged` (rows the triggers added since the last one, as
    salesorder_dashboard_figures reads them) reaches COMPACT_AFTER. Housekeeping: if SQLite is
    busy past its timeout it is logged and left for the next reader."""
    if unmerged < COMPACT_AFTER:
        return
    try:
        compact()
    except OperationalError:
        logger.warning("running totals not compacted: the database was busy", exc_info=True)
