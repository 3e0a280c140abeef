"""An attachment upload streams: the process's memory grows by about the same small amount for
a 5 MB and a 20 MB file, far below the file's size.

    DEBUG=1 .venv/bin/python -m bench.attachment_upload [--mb 20] [--compare-mb 5]

Builds a fresh SQLite database and attachment directory in a temporary folder (never the
project's), makes an order, writes a multipart body holding a CSV file of the given size to
disk, and sends it to `POST /api/v2.0/salesOrders({id})/attachments` through the WSGI handler
in this process, the body read from that file as a server would read the socket. Reports, per
size: the peak of Python's allocations during the request (tracemalloc), the growth of the
process's peak resident memory (VmHWM after the request minus VmRSS before, the peak reset
through /proc/self/clear_refs), and the time; then the same for downloading the file back.
The folder is removed at the end.
A CSV is the worst case for the check: every byte is scanned as text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = "----bench-attachment-boundary"
CHUNK = 1024 * 1024


def _status(field: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _body(folder: Path, megabytes: int) -> tuple[Path, int]:
    path = folder / f"body-{megabytes}.bin"
    row = b"BOLT-1;Hex bolt M8;4;2.50\r\n"
    size = megabytes * 1024 * 1024 - 1024  # the file, a little under the limit
    with path.open("wb") as out:
        out.write(
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="category"\r\n\r\n'
                f"customerPurchaseOrder\r\n--{BOUNDARY}\r\n"
                'Content-Disposition: form-data; name="file"; '
                f'filename="po-lines-{megabytes}mb.csv"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
        )
        block = row * (CHUNK // len(row))
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            written += len(piece)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path, size


def _environ(path: str, method: str, token: str, body: Path | None = None) -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body is not None:
        environ["CONTENT_TYPE"] = f"multipart/form-data; boundary={BOUNDARY}"
        environ["CONTENT_LENGTH"] = str(body.stat().st_size)
        environ["wsgi.input"] = body.open("rb")
    else:
        environ["wsgi.input"] = open(os.devnull, "rb")  # noqa: SIM115 - closed by the handler
    return environ


def _measure(call) -> dict:
    rss_before = _status("VmRSS")
    peak_reset = _reset_peak()
    tracemalloc.start()
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "result": result,
        "seconds": seconds,
        "python_peak": python_peak,
        "rss_growth": (_status("VmHWM") - rss_before) if peak_reset else None,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attachment_upload")
    parser.add_argument("--mb", type=int, default=20, help="the upload's size (default 20)")
    parser.add_argument("--compare-mb", type=int, default=5, help="a smaller one to compare")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-attachments-"))
    os.environ["SQLITE_PATH"] = str(folder / "bench.sqlite3")
    os.environ["ATTACHMENTS_ROOT"] = str(folder / "files")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DEBUG", "1")
    os.environ["ATTACHMENT_MAX_BYTES"] = str(max(args.mb, args.compare_mb) * 1024 * 1024)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from knox.models import get_token_model

    from core.models import Attachment
    from salesorders import services
    from tests.factories import CustomerFactory, UserFactory

    print(f"Migrating a fresh SQLite database in {folder} ...", flush=True)
    call_command("migrate", verbosity=0)
    user = UserFactory(username="bench", is_superuser=True, is_staff=True)
    order = services.salesorder_create(customer=CustomerFactory(code="B-1"), user=user)
    _, token = get_token_model().objects.create(user=user)
    handler = WSGIHandler()
    url = f"/api/v2.0/salesOrders({order.pk})/attachments"

    def upload(body: Path) -> int:
        statuses = []
        response = handler(_environ(url, "POST", token, body), lambda s, h: statuses.append(s))
        b"".join(response)
        response.close()
        return int(statuses[0].split()[0])

    def download(pk: int) -> int:
        statuses, received = [], 0
        response = handler(
            _environ(f"{url}({pk})/content", "GET", token), lambda s, h: statuses.append(s)
        )
        for chunk in response:
            received += len(chunk)
        response.close()
        return received

    upload(_body(folder, 1)[0])  # warm up: imports, first queries, caches
    print(f"{'':>22} {'Python peak':>12} {'peak RSS growth':>16} {'time':>8}")
    for megabytes in (args.compare_mb, args.mb):
        body, size = _body(folder, megabytes)
        up = _measure(lambda body=body: upload(body))
        assert up["result"] == 201, up["result"]
        attachment = Attachment.objects.order_by("-pk").first()
        assert attachment.size == size
        down = _measure(lambda pk=attachment.pk: download(pk))
        assert down["result"] == size
        for label, figures in ((f"upload {megabytes} MB", up), (f"download {megabytes} MB", down)):
            rss = figures["rss_growth"]
            rss_text = f"{rss / 2**20:.1f} MiB" if rss is not None else "n/a"
            print(
                f"{label:>22} {figures['python_peak'] / 2**20:>8.2f} MiB {rss_text:>16} "
                f"{figures['seconds']:>7.2f}s"
            )
        body.unlink()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
