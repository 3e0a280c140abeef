"""The suite runs on config.test_settings (a cheap hasher); production keeps Django's default."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_hashes_passwords_cheaply_and_production_does_not():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.PASSWORD_HASHERS)",
        ],
        cwd=ROOT,
        env={"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "PBKDF2PasswordHasher" in result.stdout.split(",")[0]


def test_a_user_still_logs_in_with_the_real_password(client, django_user_model):
    django_user_model.objects.create_user(username="hanna", password="correct horse")
    assert not client.login(username="hanna", password="wrong horse")
    assert client.login(username="hanna", password="correct horse")
