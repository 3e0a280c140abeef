"""bench.interleave times two checkouts in turn on one database: here this checkout against
itself, on a small generated SQLite file, for one scenario."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_both_sides_are_timed_with_their_ratio_to_their_own_bare_page(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DEBUG="1", SQLITE_PATH=str(tmp_path / "bench.sqlite3"))
    sizes = ["--customers", "5", "--parts", "20", "--orders", "30", "--lines", "3"]
    for command in (["migrate", "-v0"], ["generate_data", *sizes, "--no-progress"]):
        done = run(["manage.py", *command], env)
        assert done.returncode == 0, done.stderr
    done = run(["-m", "bench.interleave", str(ROOT), "--only", "order-list", "--rounds", "2"], env)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "Order list" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    old_ms, new_ms, ratio, old_bare, new_bare, queries = cells[1:]
    assert float(old_ms) > 0 and float(new_ms) > 0 and float(ratio) > 0
    assert float(old_bare) > 1 and float(new_bare) > 1  # a list costs more than the bare page
    assert queries == "5/5"
