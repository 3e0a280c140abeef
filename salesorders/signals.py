"""Signals salesorders sends, so apps above it can follow orders without salesorders importing
them.

DESIGN.md allows no signals for business rules. These carry none: a receiver may only keep a
cache or an index of its own up to date (the calendar's stored events), work that may fail or
lag without the order being any less right.
"""

import logging
from collections.abc import Callable

from django.dispatch import Signal

from salesorders.models import SalesOrder

logger = logging.getLogger(__name__)

# Sent once a change of orders has committed, with `order_pks` (a list of SalesOrder pks) and
# `references` (their references, for log lines). Not sent for a change that rolled back. A
# receiver should log its own failure naming the references and return; one that raises is
# logged by send_robust, never seen by the user who made the change.
order_changed = Signal()


def send_order_changed(order_pks: list[int], references: list[str]) -> None:
    """Tell the receivers that these orders changed."""
    order_changed.send_robust(sender=SalesOrder, order_pks=list(order_pks), references=references)


def order_changed_notifier(order: SalesOrder) -> Callable[[], None]:
    """A named callable for `transaction.on_commit` that sends order_changed for this order.

    It never raises: the change has committed, so a failure to tell the receivers is logged
    once, with the order's reference, and the request answers the success it had."""
    order_pks, references = [order.pk], [order.reference or f"order {order.pk}"]

    def notify_order_changed() -> None:
        try:
            send_order_changed(order_pks, references)
        except Exception:
            logger.exception("order_changed not sent for %s", ", ".join(references))

    return notify_order_changed
