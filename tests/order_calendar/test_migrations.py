"""Moving the calendar's models from salesorders to order_calendar keeps every stored event
and feed token, every feed URL handed out before the move, and the permissions on them."""

import base64
import hashlib
import hmac

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from order_calendar.feeds import event_source_key
from order_calendar.models import CalendarFeedToken, OrderCalendarEvent
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The last state before the move: the models in salesorders, no order_calendar.
BEFORE = [("salesorders", "0008_event_kind_choices"), ("order_calendar", None)]


def migrate(targets=None):
    """Migrate to the targets (default: every app's latest); the historical apps reached."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    state = executor.migrate(targets)
    ContentType.objects.clear_cache()
    return state.apps


def token_before_the_move(user_pk: int, key: str) -> str:
    """The feed token exactly as salesorders/feeds.py made it before the move."""
    message = f"salesorders.calendar-feed:{user_pk}:{key}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def before_the_move():
    yield migrate(BEFORE)
    migrate()  # whatever happened, leave the database at the latest migrations


def test_stored_events_and_feed_tokens_survive_the_move_and_old_feed_urls_still_work(
    client, sales_user, before_the_move
):
    """Rows written through the old salesorders models are read back through the new ones, and
    a feed URL made before the move serves the feed from the events stored before it."""
    old_apps = before_the_move
    OldToken = old_apps.get_model("salesorders", "CalendarFeedToken")
    OldEvent = old_apps.get_model("salesorders", "OrderCalendarEvent")
    other = UserFactory(username="olga")
    # Orders as the schema of then stores them (today's model has columns added since).
    OldOrder = old_apps.get_model("salesorders", "SalesOrder")
    customer = CustomerFactory()
    orders = [
        OldOrder.objects.create(
            reference=f"SO-{n:04d}",
            reference_number=n,
            customer_id=customer.pk,
            customer_name=customer.name,
            currency="EUR",
            target_date=timezone.localdate(),
        )
        for n in (1, 2)
    ]
    OldToken.objects.create(user_id=sales_user.pk, key="k" * 43)
    OldToken.objects.create(user_id=other.pk, key="o" * 43)
    source = event_source_key()
    for order in orders:
        OldEvent.objects.create(
            order_id=order.pk,
            version=order.version,
            source=source,
            ics=(
                "BEGIN:VEVENT\r\n"
                f"UID:stored-before-the-move-{order.pk}@example.com\r\n"
                f"SUMMARY:{order.reference} · stored before the move\r\n"
                "DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260102\r\n"
                "END:VEVENT\r\n"
            ),
        )
    tokens_before = list(OldToken.objects.order_by("pk").values_list("pk", "user_id", "key"))
    events_before = list(
        OldEvent.objects.order_by("pk").values_list("order_id", "version", "source", "ics")
    )
    feed_path = reverse(
        "calendar:feed",
        kwargs={"user_id": sales_user.pk, "token": token_before_the_move(sales_user.pk, "k" * 43)},
    )

    migrate()

    assert (
        list(CalendarFeedToken.objects.order_by("pk").values_list("pk", "user_id", "key"))
        == tokens_before
    )
    assert (
        list(
            OrderCalendarEvent.objects.order_by("pk").values_list(
                "order_id", "version", "source", "ics"
            )
        )
        == events_before
    )
    cache.clear()
    response = client.get(feed_path)
    assert response.status_code == 200, response.content
    summaries = sorted(
        str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")
    )
    assert summaries == [
        "SO-0001 · stored before the move",
        "SO-0002 · stored before the move",
    ]


def test_the_models_permissions_move_with_them_and_stay_with_their_holders(
    sales_user, before_the_move
):
    """Same content type and permission rows, relabelled; no stale or duplicate ones left."""
    old_apps = before_the_move
    OldContentType = old_apps.get_model("contenttypes", "ContentType")
    OldPermission = old_apps.get_model("auth", "Permission")
    OldGroup = old_apps.get_model("auth", "Group")
    old_type = OldContentType.objects.get(app_label="salesorders", model="ordercalendarevent")
    view = OldPermission.objects.get(content_type=old_type, codename="view_ordercalendarevent")
    OldGroup.objects.get(name="Managers").permissions.add(view)
    sales_user.user_permissions.add(view.pk)

    migrate()

    moved = ContentType.objects.get_by_natural_key("order_calendar", "ordercalendarevent")
    assert moved.pk == old_type.pk
    assert not ContentType.objects.filter(
        app_label="salesorders", model__in=["ordercalendarevent", "calendarfeedtoken"]
    ).exists()
    permission = Permission.objects.get(codename="view_ordercalendarevent")
    assert (permission.pk, permission.content_type_id) == (view.pk, moved.pk)
    assert Group.objects.get(name="Managers").permissions.filter(pk=view.pk).exists()
    sales_user = type(sales_user).objects.get(pk=sales_user.pk)
    assert sales_user.has_perm("order_calendar.view_ordercalendarevent")
