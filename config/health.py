"""/health/ for load balancers: is this process able to serve? No login, no data."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.faults import RETRY_AFTER_SECONDS, fault_summary

logger = logging.getLogger("core.faults")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache.set("health-check", "ok", 10)
    if cache.get("health-check") != "ok":
        raise RuntimeError("the cache did not keep a value")


@login_not_required
@never_cache
@require_GET
def health(request):
    """200 {"database": "ok", "cache": "ok"}, or 503 naming the failing check (and logging
    it in one line) with Retry-After."""
    checks = {}
    for name, check in [("database", _check_database), ("cache", _check_cache)]:
        try:
            check()
        except Exception as error:
            logger.warning("Health check %s failed (%s)", name, fault_summary(error))
            checks[name] = "unavailable"
        else:
            checks[name] = "ok"
    healthy = all(state == "ok" for state in checks.values())
    response = JsonResponse(checks, status=200 if healthy else 503)
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response._has_been_logged = True
    return response
