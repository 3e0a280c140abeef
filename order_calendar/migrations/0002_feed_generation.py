"""The feed's generation counter and the triggers that change it (see models.FeedGeneration).

The triggers sit on tables of salesorders and customers although this app owns them: the
counter is the calendar's cache key, and a trigger sees every writer, where a bump in each
service would miss the `.update()`, `bulk_update` and `.delete()` calls that bypass signals.
Nothing in those apps calls or knows about them; dropping this migration drops them.

PostgreSQL: a statement-level trigger on each watched table notes the change (one row in
order_calendar_feedchange, the transaction's id); a deferred constraint trigger on that table
then, at commit, writes the counter row once per transaction and removes the note. Writing the
counter at commit, not at the first change, keeps its row lock out of the transaction's body:
two transactions changing different orders never wait for each other until they commit, and
cannot deadlock over the counter. SQLite has neither statement-level nor deferred triggers, and
only one writer at a time: a row-level trigger adds one to the counter per changed row.
"""

from django.db import migrations, models

# The SQLite statements live in the app, which puts them back after a table rebuild.
from order_calendar.triggers import SQLITE_DROP_TRIGGERS, SQLITE_TRIGGERS, WATCHED


PG_FORWARD = [
    "CREATE SEQUENCE order_calendar_feed_generation_seq",
    """
    CREATE TABLE order_calendar_feedchange (xid bigint NOT NULL);
    CREATE INDEX order_calendar_feedchange_xid ON order_calendar_feedchange (xid);
    """,
    """
    CREATE FUNCTION order_calendar_feed_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO order_calendar_feedchange (xid) VALUES (txid_current());
        RETURN NULL;
    END $$
    """,
    # The first note of a transaction to fire removes them all and writes the counter; the
    # others find nothing. When the trigger is set IMMEDIATE (SET CONSTRAINTS, as the tests
    # do), each statement writes the counter at its end.
    """
    CREATE FUNCTION order_calendar_feed_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM order_calendar_feedchange WHERE xid = NEW.xid;
        IF FOUND THEN
            INSERT INTO order_calendar_feedgeneration (id, generation, changed_at)
            VALUES (1, nextval('order_calendar_feed_generation_seq'), clock_timestamp())
            ON CONFLICT (id) DO UPDATE
                SET generation = EXCLUDED.generation, changed_at = EXCLUDED.changed_at;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER order_calendar_feed_bump
    AFTER INSERT ON order_calendar_feedchange DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION order_calendar_feed_bump()
    """,
    *(
        f"""
        CREATE TRIGGER order_calendar_feed_changed
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION order_calendar_feed_changed()
        """
        for table in WATCHED
    ),
    """
    INSERT INTO order_calendar_feedgeneration (id, generation, changed_at)
    VALUES (1, nextval('order_calendar_feed_generation_seq'), clock_timestamp())
    """,
]

PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS order_calendar_feed_changed ON {table}" for table in WATCHED),
    "DROP TABLE IF EXISTS order_calendar_feedchange",
    "DROP FUNCTION IF EXISTS order_calendar_feed_bump()",
    "DROP FUNCTION IF EXISTS order_calendar_feed_changed()",
    "DROP SEQUENCE IF EXISTS order_calendar_feed_generation_seq",
]

SQLITE_FORWARD = [
    *SQLITE_TRIGGERS,
    """
    INSERT INTO order_calendar_feedgeneration (id, generation, changed_at)
    VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
    """,
]
SQLITE_BACKWARD = SQLITE_DROP_TRIGGERS


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("order_calendar", "0001_take_over_calendar_tables"),
        ("salesorders", "0024_pending_approval_credit_policy"),
        ("customers", "0004_receivable_base"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedGeneration",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("generation", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(null=True)),
            ],
            options={"db_table": "order_calendar_feedgeneration"},
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
