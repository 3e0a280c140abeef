"""What the calendar does when salesorders says orders changed (connected in apps.py)."""

import logging

from order_calendar.services import calendar_events_refresh

logger = logging.getLogger(__name__)


def refresh_stored_events(
    sender, *, order_pks: list[int], references: list[str] = (), **kwargs
) -> None:
    """Rebuild the changed orders' stored events, so the next feed request builds nothing.

    A failure is logged once with the orders' references and swallowed: the order's change
    has committed, and the feed rebuilds a stale stored event itself."""
    try:
        calendar_events_refresh(order_pks)
    except Exception:
        logger.exception(
            "Calendar events of %s not refreshed; the feed rebuilds them when asked",
            ", ".join(references) or order_pks,
        )
