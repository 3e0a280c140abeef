"""What the calendar stores: each user's feed token salt, and each order's serialized VEVENT.

Both tables were made by salesorders and keep their names (`db_table`): the move to this app
changed no row and no column, so old feed URLs and stored events stay valid.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from salesorders.models import SalesOrder


class CalendarFeedToken(models.Model):
    """A user's salt for the ICS feed URL; regenerating it retires the old URL at once.

    The token in the URL is an HMAC of the user's id and `key` under SECRET_KEY (see
    order_calendar/selectors.py), so the database never holds a working feed URL. A user without
    a row has an initial token (empty key); regenerating writes a random key. Deleting the row
    brings the initial URL back: regenerate instead.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "salesorders_calendarfeedtoken"

    def __str__(self) -> str:
        return f"Calendar feed token of {self.user}"


class OrderCalendarEvent(models.Model):
    """An order's serialized VEVENT for the ICS feed: a cache in the database, so every process
    shares it and it survives restarts (order_calendar/feeds.py builds and reads it).

    The text is valid while `version` equals the order's version and `source` equals the key
    of everything else that goes into it (feed format, SITE_URL, the order page's URL layout).
    Not business data: any row may be deleted, or be stale, and is rebuilt when needed.
    No foreign key constraint in the database (Django still deletes the row with its order): a
    feed request filling this cache while someone deletes an order must not make either fail;
    an orphan row is harmless and `manage.py warm_calendar` removes it.
    """

    order = models.OneToOneField(
        SalesOrder,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="calendar_event",
        db_constraint=False,
    )
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=32)
    ics = models.TextField()
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "salesorders_ordercalendarevent"

    def __str__(self) -> str:
        return f"Calendar event of order {self.order_id} v{self.version}"


class FeedGeneration(models.Model):
    """One row: a number that changes whenever anything the ICS feed shows may have changed, so
    a feed request reads its ETag with one primary-key lookup instead of aggregating orders.

    Written only by database triggers (migration 0002_feed_generation), never by Python: every
    INSERT, UPDATE, DELETE or TRUNCATE of orders, order lines or customers (the customer filter
    matches customers' codes and names) changes `generation`, whichever code wrote - services,
    queryset `.update()`, `bulk_update`, `.delete()`, the admin, raw SQL. On PostgreSQL the row is
    written when the writing transaction commits (a deferred trigger: the row lock is held for
    the commit only, not for the rest of the transaction) with the next value of a sequence, so
    a value is never used twice; on SQLite (one writer at a time) each changed row adds one.
    `changed_at` is when that was, the feed's Last-Modified.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    generation = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "order_calendar_feedgeneration"

    def __str__(self) -> str:
        return f"Feed generation {self.generation}"
