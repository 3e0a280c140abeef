"""Every page needs a login, and every app page needs a permission."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Pages that answer without a login: the login page and the calendar feed, which calendar
# clients reach with the secret token in its URL (tested in tests/salesorders/test_feed.py).
PUBLIC = {"login", "calendar:feed", "health"}  # health: for load balancers, no data
# Pages any logged-in user may open, whatever their groups.
OPEN_TO_EVERY_USER = {
    "dashboard",
    "logout",
    "password_change",
    "password_change_done",
    "api-tokens",  # a user's own API tokens
    "api-token-revoke",
}


def _sample_value(converter_name: str) -> str:
    return {"int": "1", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001"}.get(
        converter_name, "x"
    )


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else None, prefix + str(entry.pattern)


def _to_path(route: str) -> str:
    """Turn a route such as 'orders/<int:pk>/' into a concrete path."""
    path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: _sample_value(m.group(1) or "str"), route)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def app_urls():
    """(name, path) of every page of ours; the admin has its own login."""
    for name, route in _walk(get_resolver().url_patterns):
        # The API answers 401 in JSON, not a login redirect: tests/api covers it.
        if route.startswith(("admin/", "^admin/", "api/")) or "(?P" in route:
            continue
        yield name, _to_path(route)


ALL_URLS = sorted(set(app_urls()), key=lambda item: item[1])


def test_the_url_walk_finds_the_pages_of_every_app():
    """Guard for the tests below: they really cover the apps' pages."""
    paths = [path for _, path in ALL_URLS]
    for prefix in ("/customers/", "/inventory/", "/orders/", "/calendar/", "/shipping/"):
        assert any(p.startswith(prefix) for p in paths), prefix


@pytest.mark.parametrize(("name", "path"), [u for u in ALL_URLS if u[0] not in PUBLIC])
def test_anonymous_visitor_is_sent_to_the_login_page(client, name, path):
    """Nothing but the login page answers an anonymous visitor, on GET or POST."""
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302, (name, path, response.status_code)
        assert response["Location"].startswith("/accounts/login/?next="), (name, path)


@pytest.mark.parametrize(
    ("name", "path"),
    [u for u in ALL_URLS if u[0] not in PUBLIC | OPEN_TO_EVERY_USER],
)
def test_user_without_a_role_is_refused_every_app_page(client, user, name, path):
    """A logged-in user in no group gets 403 (never the data, never a 500)."""
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 403, (name, path, response.status_code)
    assert b"Not allowed" in response.content


def test_login_page_answers_anonymous_visitors(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_wrong_password_is_shown_on_the_login_page(client, sales_user):
    response = client.post("/accounts/login/", {"username": "sally", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_post_without_csrf_token_is_refused(sales_user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(sales_user)
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    assert csrf_client.get("/").status_code == 200, "the user must still be logged in"


def test_unknown_url_gets_a_styled_404(sales_client, settings):
    settings.DEBUG = False
    response = sales_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"navbar" in response.content


def test_static_files_are_served_to_anonymous_visitors(live_server):
    """Bootstrap comes from its package and is served locally, never from a CDN."""
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/static/css/bootstrap.min.css") as response:
        assert response.status == 200
        assert b"Bootstrap" in response.read(400)


def test_pages_load_nothing_from_other_hosts(sales_client):
    html = sales_client.get("/").content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html)
