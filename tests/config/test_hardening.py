"""What an attacker, an unlucky network and a failing database meet: login throttling,
headers, request limits, the NUL byte, 503s for database faults, /health/, gunicorn's log."""

import json
import logging
import runpy
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse

from core.faults import database_unavailable
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# --- login throttling ---------------------------------------------------------------------


def _wrong(client, path, username, times, **extra):
    return [
        client.post(path, {"username": username, "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"], ids=["app", "admin"])
def test_five_wrong_passwords_lock_the_username_with_a_clear_message(client, path, monkeypatch):
    """The fifth wrong password locks; the next try is refused (429) before any password is
    hashed, even the right one."""
    user = UserFactory(username="hanna", is_staff=True)
    assert _wrong(client, path, "hanna", 5) == [200] * 4 + [429]
    hashed = []
    monkeypatch.setattr(
        "django.contrib.auth.base_user.check_password",
        lambda *args, **kwargs: hashed.append(args) or True,
    )
    response = client.post(path, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Login locked" in response.text and "15 minutes" in response.text
    assert hashed == []
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address_too(client):
    """Wrong passwords for many usernames from one address lock that address."""
    for n in range(5):
        _wrong(client, "/accounts/login/", f"guess{n}", 1)
    UserFactory(username="olga")
    response = client.post("/accounts/login/", {"username": "olga", "password": PASSWORD})
    assert response.status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    ok = elsewhere.post("/accounts/login/", {"username": "olga", "password": PASSWORD})
    assert ok.status_code == 302


def test_a_manager_unlocks_a_locked_login_in_the_admin(client, manager_user):
    UserFactory(username="hanna")
    other = Client(REMOTE_ADDR="10.0.0.7")
    _wrong(other, "/accounts/login/", "hanna", 5)
    locked = other.post("/accounts/login/", {"username": "hanna", "password": PASSWORD})
    assert locked.status_code == 429
    client.force_login(manager_user)
    attempt = AccessAttempt.objects.get(username="hanna")
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and "hanna" in changelist.text
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    unlocked = other.post("/accounts/login/", {"username": "hanna", "password": PASSWORD})
    assert unlocked.status_code == 302


# --- headers --------------------------------------------------------------------------------


def test_logged_in_pages_and_exports_are_private_and_carry_csp_and_permissions_policy(
    sales_client,
):
    for response in (
        sales_client.get(reverse("dashboard")),
        sales_client.get(reverse("salesorders:list"), {"_export": "csv"}),
    ):
        assert response.status_code == 200
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "camera=()" in response["Permissions-Policy"]


def test_the_login_page_has_the_policies(client):
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def test_templates_hold_no_inline_script_style_or_handler():
    """What the Content-Security-Policy would block: every script and style is a file."""
    offending = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for needle in ("<style", "style=", "onclick=", "onchange=", "onsubmit=", "javascript:"):
            if needle in text:
                offending.append((template.name, needle))
        for tag in text.split("<script")[1:]:
            if "src=" not in tag.split(">", 1)[0]:
                offending.append((template.name, "<script> without src"))
    assert offending == []


# --- limits and the NUL byte ----------------------------------------------------------------


def test_an_anonymous_large_body_is_refused_before_it_is_read(client):
    big = "x" * (64 * 1024)
    response = client.post(reverse("login"), {"username": "a", "password": big})
    assert response.status_code == 413
    assert not AccessAttempt.objects.exists()  # no login attempt was made


def test_a_logged_in_form_may_send_more_than_the_anonymous_limit(sales_client):
    response = sales_client.post(reverse("salesorders:create"), {"notes": "x" * (64 * 1024)})
    assert response.status_code == 200  # the form answers (customer missing), not 413


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:salesorders_salesorder_changelist",
        "admin:customers_customer_changelist",
        "admin:inventory_stockitem_changelist",
        "admin:shipping_shipment_changelist",
    ],
)
def test_a_nul_byte_in_an_admin_list_filter_is_a_400(client, manager_user, changelist):
    client.force_login(manager_user)
    response = client.get(reverse(changelist), {"q": "a\x00b"})
    assert response.status_code == 400
    response = client.get(reverse(changelist) + "?status__exact=%00")
    assert response.status_code == 400


# --- database faults ------------------------------------------------------------------------


def _database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_a_database_fault_in_a_view_is_a_503_with_retry_after_in_one_log_line(
    sales_client, monkeypatch, caplog
):
    monkeypatch.setattr("config.views.order_figures", _database_down)
    with caplog.at_level(logging.INFO):
        response = sales_client.get(reverse("dashboard"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Temporarily unavailable" in response.text
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and not lines[0].exc_info
    assert "Connection refused" in lines[0].getMessage()


def test_a_database_fault_loading_the_session_is_a_503_too(sales_client, monkeypatch):
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", _database_down)
    response = sales_client.get(reverse("salesorders:list"))
    assert response.status_code == 503 and response["Retry-After"] == "5"


def test_a_database_fault_under_api_answers_json():
    request = RequestFactory().get("/api/orders/")
    response = database_unavailable(request, OperationalError("canceling statement"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "try again in 5 seconds" in json.loads(response.content)["detail"]


def test_health_answers_without_login_and_names_no_data(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("config.health._check_database", _database_down)
    response = client.get("/health/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"database": "unavailable", "cache": "ok"}


# --- gunicorn -------------------------------------------------------------------------------


def test_gunicorn_conf_uses_threads_no_control_socket_and_masks_feed_tokens():
    from gunicorn.config import Config

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["worker_class"] == "gthread" and conf["control_socket_disable"] is True
    logger = conf["RedactingLogger"](Config())

    class Response:
        status, sent, headers = "200 OK", 10, []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/calendar/feed/7/s3cr3t-T0ken/orders.ics",
        "PATH_INFO": "/calendar/feed/7/s3cr3t-T0ken/orders.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    import datetime

    atoms = logger.atoms(Response(), {}, environ, datetime.timedelta(seconds=0))
    assert "s3cr3t-T0ken" not in atoms["r"] + atoms["U"]
    assert "/calendar/feed/7/<token>/orders.ics" in atoms["r"]
