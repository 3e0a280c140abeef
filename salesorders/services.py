"""Every write to sales orders that has a rule. See DESIGN.md for the lock order."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.utils import timezone

from salesorders.models import SalesOrder, SalesOrderEvent


def record_event(
    *, order: SalesOrder, kind: str, message: str, user: AbstractBaseUser | None
) -> SalesOrderEvent:
    """Append a line to the order's history. Call inside the transaction of the change."""
    return SalesOrderEvent.objects.create(order=order, kind=kind, message=message, user=user)


def touch_order(*, order: SalesOrder, user: AbstractBaseUser | None) -> None:
    """Mark the order as changed: bump its version and who/when changed it.

    Any write that changes what the order shows (header, lines, totals, status, shipped or
    cancelled quantities) calls this in its transaction, so stale edit forms are refused and
    the calendar feed's SEQUENCE grows.
    """
    now = timezone.now()
    SalesOrder.objects.filter(pk=order.pk).update(
        version=F("version") + 1, updated_at=now, updated_by=user
    )
    order.version += 1
    order.updated_at, order.updated_by = now, user
