"""gunicorn (gunicorn.conf.py) on a PostgreSQL of the test's own, which the test stops: every
page answers 503 with Retry-After and one log line, never a 500, and the app recovers when
the database is back, without a restart."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import pgcluster
from bench.concurrency import Session, free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "fault-run-password-1"

pytestmark = [
    pytest.mark.skipif(bool(pgcluster.available()), reason=pgcluster.available()),
    pytest.mark.own_database,  # its own cluster, never the run's database: .ci/run runs it once
]


def _manage(env, *args):
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pg = pgcluster.OwnPostgres().init()
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    process = None
    try:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DATABASE_URL": pg.createdb("app"),
            "DATABASE_POOL_SIZE": "2",
            "DATABASE_POOL_TIMEOUT": "2",
            "DEBUG": "0",
            "SECRET_KEY": "test-only-secret-key-for-the-database-down-test-0123456789",
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        }
        _manage(env, "migrate", "--verbosity", "0")
        _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        _manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user('fault', password='{PASSWORD}')",
        )
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "gunicorn.conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--access-logfile",
            "/dev/null",
        ]
        with open(log, "w") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", pg, log
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        pg.destroy()


def test_a_stopped_database_is_a_503_with_retry_after_and_the_app_recovers(server):
    base, pg, log = server
    session = Session(base)
    session.login("fault", PASSWORD)
    assert session.request("GET", "/")[0] == 200
    assert session.request("GET", "/health/")[0] == 200

    pg.stop()
    try:
        statuses = [session.request("GET", path)[0] for path in ["/", "/orders/", "/health/"]]
        anonymous = Session(base)
        statuses.append(anonymous.request("GET", "/health/")[0])
        assert statuses == [503, 503, 503, 503]
        page = Session(base)
        page.cookies = dict(session.cookies)
        request = __import__("urllib.request").request.Request(base + "/")
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in page.cookies.items()))
        try:
            __import__("urllib.request").request.urlopen(request, timeout=10)
        except __import__("urllib.error").error.HTTPError as error:
            assert error.code == 503 and error.headers["Retry-After"] == "5"
            assert "Temporarily unavailable" in error.read().decode()
    finally:
        pg.start()

    seen = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        seen.append(session.request("GET", "/")[0])
        if seen[-1] == 200:
            break
        time.sleep(0.3)
    assert seen[-1] == 200 and set(seen) <= {200, 503}, seen
    written = log.read_text()
    assert "Traceback" not in written
    assert written.count("Database unavailable, answered 503") >= 4
