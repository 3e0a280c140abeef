"""Querysets built once a day and cloned for each request.

Building a page's queryset resolves every annotation (the Case, When and Subquery trees of
the order's states, the lines' fulfilment, the parts' stock): some milliseconds of Python
each request, before any SQL. A QuerySet is lazy and `.all()` clones it for microseconds,
which is how Django's own views serve their class-level `queryset`. `prebuilt` does the same
for a selector of no arguments, keyed by today's date because the stock rules read it
(`inventory.models.usable_stock_q`: unexpired as of today). Only for a queryset that depends
on nothing else: not on the user, the request, the time of day or a setting.
"""

import functools
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone


def prebuilt(build: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """`build()` once per day, a clone of it for every call."""
    built = functools.lru_cache(maxsize=2)(lambda today: build())

    @functools.wraps(build)
    def clone() -> QuerySet:
        return built(timezone.localdate()).all()

    return clone
