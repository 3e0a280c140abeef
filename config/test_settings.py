"""Settings for the test suite: production settings with a cheap password hasher.

Hashing passwords with PBKDF2 on every factory user and login took most of the suite's time;
MD5 is unsafe for real passwords but fine for test users (logins still check the password).
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# On PostgreSQL: transactional tests empty the tables with DELETE, not TRUNCATE (seconds each
# on a busy server); see config/test_postgresql/base.py.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "config.test_postgresql"  # noqa: F405
