"""The bulk writer: rows buffered per model with their primary keys handed out in advance."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from operator import itemgetter

from django.core.management.color import no_style
from django.db import connection, models, router
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


@contextlib.contextmanager
def explicit_timestamps(*model_classes):
    """Let bulk writes keep the created/updated times we set (switch auto_now off for a while)."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextlib.contextmanager
def indexes_built_after(model_classes):
    """On PostgreSQL, write the models' tables without their foreign keys and secondary indexes
    and put them back at the end, as a bulk load does: one CREATE INDEX sorts the table once
    where COPY updated every index row by row (the order table has some twenty, three of them
    trigram GIN), and one ADD CONSTRAINT checks a foreign key with one join where each row was
    checked by its own trigger at commit. Primary keys and unique constraints stay; the
    definitions come back exactly as they were (pg_get_indexdef / pg_get_constraintdef). Call
    inside a transaction: a failure rolls the drops back with the rows."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in model_classes]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


@contextlib.contextmanager
def light_constructors(model_classes):
    """While open, `Model(**values)` of these models builds the instance without
    Model.__init__ (per field it looks up keyword arguments, sends signals and goes through
    descriptors: half of a generated row's cost). The domain's snapshot constructors
    (`SalesOrderLine.from_part`, `InvoiceLine.from_order_line`) call `cls(...)` once per row;
    this keeps them the source of every value while the generator builds millions of rows.

    The instance is what the constructor makes: every concrete field set, the missing ones to
    their defaults, `_state.adding`; a relation given by name sets its `_id`, caches the
    object and takes its database, as its descriptor does. Positional arguments, subclasses
    and names that are not fields take the usual constructor, and so does a model with
    pre_init or post_init receivers (the constructor sends them)."""
    saved = [
        (model, model.__dict__.get("__init__"))
        for model in model_classes
        if not (pre_init.has_listeners(model) or post_init.has_listeners(model))
    ]
    for model, _own in saved:
        model.__init__ = _light_init(model, model.__init__)
    try:
        yield
    finally:
        for model, own in saved:
            if own is None:
                del model.__init__
            else:
                model.__init__ = own


def _light_init(model, usual):
    fields = model._meta.concrete_fields
    defaults = [(f.attname, f._get_default) for f in fields]
    attnames = frozenset(f.attname for f in fields)
    relations = {
        f.name: (f.attname, f.target_field.attname)
        for f in fields
        if f.is_relation and f.name != f.attname
    }

    def __init__(self, *args, **values):
        if args or type(self) is not model:
            return usual(self, *args, **values)
        named = values.keys() - attnames
        if not named <= relations.keys():
            return usual(self, *args, **values)
        model_state = ModelState()
        for name in named:
            obj = values.pop(name)
            attname, target = relations[name]
            values[attname] = None if obj is None else getattr(obj, target)
            model_state.fields_cache[name] = obj
            if obj is not None and model_state.db is None:
                model_state.db = router.db_for_write(model, instance=obj)
        fill(self.__dict__, model_state, defaults, values)

    return __init__


def fill(state: dict, model_state: ModelState, defaults, values: dict) -> None:
    """An instance's dict as the constructor leaves it: each field's value or default."""
    state["_state"] = model_state
    for attname, default in defaults:
        state[attname] = values[attname] if attname in values else default()


class Writer:
    """Buffers new rows per model and writes them in batches.

    Primary keys are handed out here (after the highest existing one), so rows can point at each
    other before anything is written; `flush()` writes in the order the models were registered.
    Rows are written with bulk_create, or on PostgreSQL with COPY (`use_copy`): the same rows,
    without Django preparing every value and psycopg packing it into arrays (about 3x faster).
    """

    def __init__(self, model_classes, batch_size: int, use_copy: bool = False):
        self.batch_size = batch_size
        self.use_copy = use_copy and connection.vendor == "postgresql"
        self.buffers: dict[type, list] = {m: [] for m in model_classes}
        self.next_pk = {
            m: (m.objects.aggregate(n=models.Max("pk"))["n"] or 0) + 1 for m in model_classes
        }
        self.written: dict[type, int] = defaultdict(int)
        self.pending = 0
        self.attnames = {m: [f.attname for f in m._meta.concrete_fields] for m in model_classes}
        self.attname_sets = {m: frozenset(names) for m, names in self.attnames.items()}
        # Each field's default, as Model.__init__ would take it (a callable default is called
        # for each row).
        self.defaults = {
            m: [(f.attname, f._get_default) for f in m._meta.concrete_fields] for m in model_classes
        }

    def pk(self, model) -> int:
        value = self.next_pk[model]
        self.next_pk[model] = value + 1
        return value

    def add(self, model, **values):
        """A new row of `model` (with the next primary key unless given), written later.

        The instance is what `model(**values)` makes (every concrete field set, the missing
        ones to their defaults, `_state.adding`), without Model.__init__: per field it looks
        up keyword arguments, sends signals and goes through descriptors, half of a generated
        row's cost. Values given by relation name (an object, not its `_id`) take the usual
        constructor."""
        values.setdefault("id", self.pk(model))
        if not values.keys() <= self.attname_sets[model]:
            return self.keep(model(**values))
        return self.keep(self.instance(model, values))

    def instance(self, model, values: dict):
        obj = model.__new__(model)
        fill(obj.__dict__, ModelState(), self.defaults[model], values)
        return obj

    def keep(self, obj):
        """Write an unsaved object built elsewhere (e.g. by a model's constructor) later."""
        model = type(obj)
        if obj.pk is None:
            obj.pk = self.pk(model)
        self.buffers[model].append(obj)
        self.pending += 1
        return obj

    def maybe_flush(self) -> None:
        """Write the buffers once they hold a few batches; call only between whole objects."""
        if self.pending >= self.batch_size * 4:
            self.flush()

    def flush(self) -> None:
        self.pending = 0
        for model, buffer in self.buffers.items():
            if buffer:
                if self.use_copy:
                    self.copy(model, buffer)
                else:
                    model.objects.bulk_create(buffer, batch_size=self.batch_size)
                self.written[model] += len(buffer)
                buffer.clear()

    def copy(self, model, objects: list) -> None:
        """COPY the objects' column values into the model's table (PostgreSQL)."""
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        columns = ", ".join(quote(f.column) for f in fields)
        row = itemgetter(*self.attnames[model])  # every concrete field is in the instance dict
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            for obj in objects:
                write(row(obj.__dict__))

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.buffers))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
