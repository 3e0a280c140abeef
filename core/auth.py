"""Authentication backends: login throttling and permissions read once.

LoginThrottleBackend (django-axes) comes first and refuses a locked username or address before
any password is hashed. CachedPermissionBackend is Django's ModelBackend with the permission
sets read in one query and kept in the shared cache until a role changes.

Django's ModelBackend asks the database for a user's permissions on every request (one query
for the user's own, one for their groups'). `CachedPermissionBackend` reads both in one query
and keeps the set in the default cache under a generation number; any change to who is in a
group or to what a group or user may do bumps the generation (`permissions_changed`), so every
process reads afresh on its next request. In production the default cache is Redis, shared by
every process; a cache local to one process (LocMem, the embedded default) keeps the set for
the request only, since another process could not see the bump.
"""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.shortcuts import render

GENERATION_KEY = "auth:permissions:generation"
PROCESS_LOCAL = ("LocMemCache", "DummyCache")


def _shared_cache() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(PROCESS_LOCAL)


def permissions_changed(**kwargs) -> None:
    """Forget every cached permission set (a group, a membership or a grant changed)."""
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value forgets the old sets
        cache.set(GENERATION_KEY, 1, timeout=None)


class CachedPermissionBackend(ModelBackend):
    """ModelBackend whose permission sets come from one query, cached across requests when
    the cache is shared by every process."""

    def _load(self, user_obj) -> set[str]:
        if user_obj.is_superuser:
            rows = Permission.objects.all()
        else:
            rows = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj)).distinct()
        return {
            f"{app_label}.{codename}"
            for app_label, codename in rows.values_list("content_type__app_label", "codename")
        }

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if _shared_cache():
                generation = cache.get_or_set(GENERATION_KEY, 1, timeout=None)
                key = f"auth:permissions:{generation}:{user_obj.pk}:{int(user_obj.is_superuser)}"
                perms = cache.get(key)
                if perms is None:
                    perms = self._load(user_obj)
                    cache.set(key, perms, timeout=24 * 3600)
            else:
                perms = self._load(user_obj)
            user_obj._perm_cache = perms
        return user_obj._perm_cache


def connect_invalidation() -> None:
    """Bump the generation whenever a membership, a grant, a group or a permission changes."""
    user_model = get_user_model()
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"perm-{through}")
    for model in (Group, Permission):
        post_save.connect(permissions_changed, sender=model, dispatch_uid=f"perm-save-{model}")
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"perm-del-{model}")


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS: a locked username or
    address is refused before any backend hashes the password.

    A call of authenticate() without a request (a management command, the test client's
    login()) is no login from an address; it passes to the next backend unchecked."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page a locked login shows (429), saying for how long."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)


USERNAME_MAX_LENGTH = 150  # django.contrib.auth's username field


def login_username(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username a login attempt is recorded under, as typed but
    cut to the longest username there can be, so a crafted one of any length is counted
    (and locked) instead of failing to be stored."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    return username[:USERNAME_MAX_LENGTH] if username else username
