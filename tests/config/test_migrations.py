"""Every model change has its committed migration."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_no_model_change_lacks_a_migration():
    """`makemigrations --check` exits non-zero when a model differs from its migrations."""
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as missing:
        pytest.fail(f"A model changed without a migration (makemigrations exit {missing.code}).")
