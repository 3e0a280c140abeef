"""What the calendar does when salesorders says orders changed (connected in apps.py)."""

from order_calendar.services import calendar_events_refresh


def refresh_stored_events(sender, *, order_pks: list[int], **kwargs) -> None:
    """Rebuild the changed orders' stored events, so the next feed request builds nothing."""
    calendar_events_refresh(order_pks)
