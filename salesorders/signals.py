"""Signals salesorders sends, so apps above it can follow orders without salesorders importing
them.

DESIGN.md allows no signals for business rules. These carry none: a receiver may only keep a
cache or an index of its own up to date (the calendar's stored events), work that may fail or
lag without the order being any less right.
"""

from django.dispatch import Signal

from salesorders.models import SalesOrder

# Sent once a change of orders has committed, with `order_pks` (a list of SalesOrder pks).
# Not sent for a change that rolled back. A receiver that raises is logged, never seen by the
# user who made the change.
order_changed = Signal()


def send_order_changed(order_pks: list[int]) -> None:
    """Tell the receivers that these orders changed. Meant for `transaction.on_commit`."""
    order_changed.send_robust(sender=SalesOrder, order_pks=list(order_pks))
