"""Every model change has its committed migration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    """`makemigrations --check` exits non-zero when a model differs from its migrations."""
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as missing:
        pytest.fail(f"A model changed without a migration (makemigrations exit {missing.code}).")


def _manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py as someone runs it on a fresh checkout: no SECRET_KEY, DEBUG or database."""
    unset = ("SECRET_KEY", "DEBUG", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_migration_check_runs_without_a_secret_key_and_serving_commands_still_refuse():
    """`manage.py makemigrations --check` works on a fresh checkout with no settings at all
    (it signs nothing), while a command that may serve or send still stops without a key."""
    checked = _manage("makemigrations", "--check", "--dry-run")
    assert checked.returncode == 0, checked.stderr[-500:]
    assert "No changes detected" in checked.stdout
    refused = _manage("check")
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr
