"""Settings for the test suite: production settings with a cheap password hasher.

Hashing passwords with PBKDF2 on every factory user and login took most of the suite's time;
MD5 is unsafe for real passwords but fine for test users (logins still check the password).
"""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Attachments go to a directory of this run's own, removed with the machine's temp files.
ATTACHMENTS_ROOT = Path(tempfile.mkdtemp(prefix="test-attachments-"))
STORAGES = {
    **STORAGES,  # noqa: F405
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ATTACHMENTS_ROOT},
    },
}
# On PostgreSQL: transactional tests empty the tables with DELETE, not TRUNCATE (seconds each
# on a busy server); see config/test_postgresql/base.py.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "config.test_postgresql"  # noqa: F405
