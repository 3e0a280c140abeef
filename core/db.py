"""Set-based writes the ORM has no cheap form for. The app that owns the model calls them.

Each is one statement whatever the number of rows and linear in them. On PostgreSQL the rows
travel as one array per column (`unnest`), so 3,000 rows cost one round trip and one plan; on
SQLite, which runs in the process, an `executemany` of one small statement does the same job
(Django logs either as one query).
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models


def _prep(field: models.Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


# Values the database driver takes as they are: Django's preparation of each (about 1 µs of
# Python per value, 18,000 values for a 3,000-allocation shipment) would change nothing.
PASS_THROUGH = {int: (models.IntegerField, models.AutoField, models.ForeignKey)}
PASS_THROUGH[Decimal] = (models.DecimalField,)


def _column(field: models.Field, values: list[Any]) -> list[Any]:
    for kind, fields in PASS_THROUGH.items():
        if isinstance(field, fields) and all(type(v) is kind or v is None for v in values):
            return values
    return [_prep(field, value) for value in values]


def _arrays(fields: Sequence[models.Field], rows: Sequence[Sequence[Any]]) -> tuple[str, list]:
    """`unnest(%s::type[], ...)` over the rows' columns, and its parameters (PostgreSQL)."""
    casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    columns = [_column(field, [row[i] for row in rows]) for i, field in enumerate(fields)]
    return f"unnest({casts})", columns


def add_to_counters(model: type[models.Model], deltas: Mapping[str, Mapping[int, Decimal]]) -> None:
    """Add per-row amounts to numeric columns: {field name: {pk: amount}}, negative to take off.

    Django's `update(F(...) + Case(When(pk=...), ...))` compiles one expression per row and the
    database tries every WHEN on every row: quadratic (about 300 ms of Python for 300 lines).
    Rows without an amount for a field get 0. The caller holds the rows' locks; the table's
    CHECK constraints still refuse a bad total (IntegrityError)."""
    deltas = {name: {pk: d for pk, d in rows.items() if d} for name, rows in deltas.items()}
    deltas = {name: rows for name, rows in deltas.items() if rows}
    if not deltas:
        return
    meta, quote = model._meta, connection.ops.quote_name
    table, pk_column = quote(meta.db_table), quote(meta.pk.column)
    fields = [meta.get_field(name) for name in deltas]
    pks = sorted({pk for rows in deltas.values() for pk in rows})
    rows = [[pk, *(deltas[f.name].get(pk, Decimal(0)) for f in fields)] for pk in pks]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, params = _arrays([meta.pk, *fields], rows)
            names = ", ".join(["pk", *(f"d{i}" for i in range(len(fields)))])
            sets = ", ".join(
                f"{quote(f.column)} = {table}.{quote(f.column)} + v.d{i}"
                for i, f in enumerate(fields)
            )
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM {source} AS v({names}) "
                f"WHERE {table}.{pk_column} = v.pk",
                params,
            )
        else:
            sets = ", ".join(f"{quote(f.column)} = {quote(f.column)} + %s" for f in fields)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {pk_column} = %s",
                [
                    [_prep(f, v) for f, v in zip(fields, row[1:], strict=True)] + [row[0]]
                    for row in rows
                ],
            )


def insert_rows(
    model: type[models.Model], field_names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows` (values in `field_names` order, foreign keys as ids) in one statement.

    `bulk_create` would split a few hundred rows into several INSERTs on SQLite (Django keeps a
    statement under 999 parameters) and builds a model instance per row."""
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    columns = ", ".join(quote(field.column) for field in fields)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, params = _arrays(fields, rows)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM {source}", params)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                [[_prep(f, v) for f, v in zip(fields, row, strict=True)] for row in rows],
            )


def rows_sql(rows: models.QuerySet, **columns: str) -> tuple[str, tuple]:
    """The SQL of `rows` (no ordering, so no join for a default ordering) selecting the
    given fields under the given names: {"key": "line"} selects the line id AS key."""
    query = rows.order_by().values(**{alias: models.F(name) for alias, name in columns.items()})
    return query.query.sql_with_params()


def add_grouped_sums(
    model: type[models.Model],
    rows: models.QuerySet,
    *,
    key: str,
    amount: str,
    signs: Mapping[str, int],
) -> None:
    """Add the sums of `rows` (a queryset of another app's rows, e.g. a shipment's
    allocations) to numeric columns of `model`, one statement whatever their number:
    rows grouped by their `key` field (a foreign key to `model`), the sum of their `amount`
    field added to each column of `signs` times its sign (+1 or -1).

    `UPDATE ... FROM (SELECT key, SUM(amount) ... GROUP BY key)`: the rows are read once,
    in the database, whatever their number (PostgreSQL, SQLite 3.33+). The caller holds the
    rows' locks; the table's CHECK constraints still refuse a bad total (IntegrityError)."""
    meta, quote = model._meta, connection.ops.quote_name
    table, pk_column = quote(meta.db_table), quote(meta.pk.column)
    source, params = rows_sql(rows, gs_key=key, gs_amount=amount)
    columns = {
        quote(meta.get_field(name).column): "+" if sign > 0 else "-" for name, sign in signs.items()
    }
    sets = ", ".join(f"{c} = {table}.{c} {op} g.gs_total" for c, op in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM (SELECT r.gs_key AS gs_key, SUM(r.gs_amount) AS "
            f"gs_total FROM ({source}) r GROUP BY r.gs_key) g WHERE {table}.{pk_column} = g.gs_key",
            params,
        )
