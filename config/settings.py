"""Settings for the sales-order app, read from the environment.

Every variable is listed, with its default, in README.md ("Settings").
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false, yes/no), not {value!r}."
    )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"{_site_host},localhost,127.0.0.1,[::1]")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True
LANGUAGE_CODE = "en-gb"
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
# How every page, print and email shows dates and times (Django date-format letters; the
# format module config.formats.en_GB reads them). Inputs and CSV exports stay ISO 8601.
DATE_DISPLAY_FORMAT = os.environ.get("DATE_DISPLAY_FORMAT", "d M Y")
DATETIME_DISPLAY_FORMAT = os.environ.get("DATETIME_DISPLAY_FORMAT", "d M Y H:i")
# How money is shown: {amount} (thousands separators, the currency's minor-unit digits),
# {code} (EUR) and {symbol} (€; the code where there is none).
MONEY_DISPLAY_FORMAT = os.environ.get("MONEY_DISPLAY_FORMAT", "{amount} {code}")

DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "EUR").upper()
# The company's accounting currency: order totals are also stored in it, at each order's rate.
BASE_CURRENCY = os.environ.get("BASE_CURRENCY", "EUR").upper()
# Where the company is established (ISO 3166 alpha-2): decides domestic, EU and export tax.
COMPANY_COUNTRY = os.environ.get("COMPANY_COUNTRY", "DE").upper()
# How old the latest exchange rate on or before an order date may be (ECB: business days).
EXCHANGE_RATE_MAX_AGE_DAYS = env_int("EXCHANGE_RATE_MAX_AGE_DAYS", 7)
COMPANY_NAME = os.environ.get("COMPANY_NAME", "Northwind Supply")
# What invoices and credit notes print about the company (demo values unless set); "\n" in
# the environment value starts a new line.
COMPANY_ADDRESS = os.environ.get(
    "COMPANY_ADDRESS", "Hafenstrasse 12\n20457 Hamburg\nGermany"
).replace("\\n", "\n")
COMPANY_VAT_NUMBER = os.environ.get("COMPANY_VAT_NUMBER", "DE123456789")
PAYMENT_DETAILS = os.environ.get(
    "PAYMENT_DETAILS", "Bank transfer to IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX"
).replace("\\n", "\n")
# Posting an invoice also queues it by email (with its PDF) to the order's contact or the
# customer, as Send Invoice does (README "Email to customers").
INVOICE_EMAIL_ON_POST = env_bool("INVOICE_EMAIL_ON_POST", False)
APP_NAME = "Sales Orders"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_include_bootstrap",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "core",
    "customers",
    "inventory",
    "accounting",
    "approvals",
    "salesorders",
    "shipping",
    "order_calendar",
    "quotes",
    "invoicing",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.DatabaseFaultMiddleware",
    "core.middleware.PrivateResponseMiddleware",
    "core.middleware.RequestLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.api.middleware.ApiErrorMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# One permission query per user, cached in the shared cache until a role changes (core.auth).
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# Databases: SQLite file in the project folder unless DATABASE_URL is set.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# DATABASE_POOL_SIZE > 0: psycopg 3's pool, that many connections per process at most (one per
# gunicorn thread); a request that waits DATABASE_POOL_TIMEOUT seconds for one answers 503.
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if DATABASE_POOL_SIZE else env_int("CONN_MAX_AGE", 60),
            # With the pool: the pool checks a connection as it hands it out, so one broken
            # by a database restart is replaced instead of failing a request.
            conn_health_checks=True,
        )
    }
    if DATABASE_POOL_SIZE:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 5),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a writer takes the write lock when its transaction begins, so concurrent
    # writers queue (up to the timeout) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling (django-axes), app login and admin login alike: after LOGIN_FAILURE_LIMIT
# wrong passwords for one username, or from one address, that username or address is locked
# for LOGIN_LOCKOUT_MINUTES (each further try restarts the wait). Axes' backend comes first, so
# a locked login is refused before any password is hashed. Managers unlock in the admin
# (Axes > Access attempts: delete the row); `manage.py axes_reset` unlocks everyone.
AUTHENTICATION_BACKENDS = [
    "core.auth.LoginThrottleBackend",
    "core.auth.CachedPermissionBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "core.auth.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.auth.lockout_response"
AXES_VERBOSE = False
# Behind a proxy: how many proxies append to X-Forwarded-For (the client is left of them).
AXES_IPWARE_PROXY_COUNT = env_int("LOGIN_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: a changed password retires the user's calendar feed URL.
    {"NAME": "order_calendar.validators.NewFeedTokenOnPasswordChange"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Static files: our own under static/, Bootstrap from its package, served by WhiteNoise.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Attachments (core.Attachment): a private storage, never under a served URL; the files are
# only ever sent by the permission-checked download views. README "Storage" shows S3.
ATTACHMENTS_ROOT = Path(os.environ.get("ATTACHMENTS_ROOT", BASE_DIR / "var" / "attachments"))
ATTACHMENTS_STORAGE = os.environ.get(
    "ATTACHMENTS_STORAGE", "django.core.files.storage.FileSystemStorage"
)
# The largest attachment accepted, counted while the upload streams in (core.uploads).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": {
        "BACKEND": ATTACHMENTS_STORAGE,
        "OPTIONS": (
            {"location": ATTACHMENTS_ROOT}
            if ATTACHMENTS_STORAGE.endswith("FileSystemStorage")
            else {}
        ),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: every file is counted as it streams in and skipped past ATTACHMENT_MAX_BYTES; up to
# 2.5 MB it is held in memory, above that in a temporary file (Django's own handlers).
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Background jobs (README "Background jobs"): Django's tasks framework (the django-tasks
# backport) with its database backend. A job enqueued inside a transaction is a row written in
# it (an outbox): it commits or rolls back with the change. `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# core.tasks: a failed attempt is retried after JOBS_BACKOFF_SECONDS * 2**(attempt-1) seconds
# (at most JOBS_BACKOFF_MAX_SECONDS, with jitter: between half and all of it), up to
# JOBS_MAX_ATTEMPTS attempts in all; then the job is dead (the Jobs page, with Retry).
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 8)
JOBS_BACKOFF_SECONDS = env_int("JOBS_BACKOFF_SECONDS", 30)
JOBS_BACKOFF_MAX_SECONDS = env_int("JOBS_BACKOFF_MAX_SECONDS", 3600)
# `manage.py reap_jobs`: a job "running" longer than this lost its worker (killed): retried.
JOBS_RUNNING_TIMEOUT_SECONDS = env_int("JOBS_RUNNING_TIMEOUT_SECONDS", 900)

# Email (README "Email"): the console in development, SMTP otherwise; any Django email backend
# (django-anymail's for a provider's API) through EMAIL_BACKEND.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{COMPANY_NAME} <orders@{_site_host}>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Cache: process-local by default; REDIS_URL shares it between processes (optional).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "partials/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

MESSAGE_TAGS = {40: "danger"}  # messages.ERROR -> Bootstrap's alert-danger

# Security: strict when DEBUG is off (manage.py check --deploy is clean).
# Content-Security-Policy (django-csp): our pages load only our own scripts and styles, from
# static files (no inline script, <style> or style="" in templates/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's icons are data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# A body larger than this from someone not logged in (the login page) is refused with 413.
ANONYMOUS_MAX_BODY_BYTES = env_int("ANONYMOUS_MAX_BODY_BYTES", 16 * 1024)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    # Opt-in: they bind every subdomain, and preload lists are slow to leave.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Off by choice (above), so `check --deploy` does not warn about them.
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, on in [("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS)]
        + [("security.W021", SECURE_HSTS_PRELOAD)]
        if not on
    ]
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# REST API under /api/ (README "REST API"). Knox tokens first: a request without credentials
# gets 401 with `WWW-Authenticate: Token`; the browser's session works too.
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)  # $top when not given
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)  # $top above this is a 400
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "1200/min")  # per token (or user)
API_IDEMPOTENCY_HOURS = 24  # how long a POST's Idempotency-Key replays its first response
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ModelPermissions"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "STRICT_JSON": True,
    "DATETIME_FORMAT": "iso-8601",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_DAYS", 90)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sales Orders API",
    "DESCRIPTION": (
        "Business Central v2.0-shaped resources. Money and quantities are decimal strings "
        "(never floats). Writes need `If-Match` with the ETag read; POST takes an "
        "`Idempotency-Key`. Order status values: Open (Pending), Pending Approval, Released "
        "(Issued), On Hold, Complete, Cancelled."
    ),
    "VERSION": "2.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request lines carry the calendar feed's secret token: every line written is redacted.
    "filters": {"redact_feed_tokens": {"()": "config.logfilters.RedactFeedTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_feed_tokens"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"level": "WARNING"},  # failed logins and lockouts, not every login
        # The pool's "discarding closed connection" after a restart: the 503's line says it.
        "psycopg.pool": {"level": "ERROR"},
        # WeasyPrint reports every CSS rule it does not support, and fontTools each subset.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# Accounting provider (accounting.providers): posted invoices, voids and payments are pushed
# by background jobs (invoicing.sync). ACCOUNTING_PROVIDER "" (off), "xero" or "quickbooks";
# ACCOUNTING_TENANT is the Xero tenant id or the QuickBooks realm (company) id. The tokens
# live in accounting.ProviderToken, seeded once from ACCOUNTING_REFRESH_TOKEN.
ACCOUNTING_PROVIDER = os.environ.get("ACCOUNTING_PROVIDER", "").strip().lower()
_ACCOUNTING_DEFAULTS = {
    "xero": ("https://api.xero.com", "https://identity.xero.com/connect/token", 60),
    "quickbooks": (
        "https://quickbooks.api.intuit.com",
        "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        500,
    ),
}.get(ACCOUNTING_PROVIDER, ("", "", 60))
ACCOUNTING_BASE_URL = os.environ.get("ACCOUNTING_BASE_URL", _ACCOUNTING_DEFAULTS[0]).rstrip("/")
ACCOUNTING_TOKEN_URL = os.environ.get("ACCOUNTING_TOKEN_URL", _ACCOUNTING_DEFAULTS[1])
ACCOUNTING_CLIENT_ID = os.environ.get("ACCOUNTING_CLIENT_ID", "")
ACCOUNTING_CLIENT_SECRET = os.environ.get("ACCOUNTING_CLIENT_SECRET", "")
ACCOUNTING_REFRESH_TOKEN = os.environ.get("ACCOUNTING_REFRESH_TOKEN", "")
ACCOUNTING_TENANT = os.environ.get("ACCOUNTING_TENANT", "")
ACCOUNTING_TIMEOUT_SECONDS = env_int("ACCOUNTING_TIMEOUT_SECONDS", 30)
ACCOUNTING_RATE_LIMIT_PER_MINUTE = env_int(
    "ACCOUNTING_RATE_LIMIT_PER_MINUTE", _ACCOUNTING_DEFAULTS[2]
)
# Xero: the bank account (code) payments are booked to.
ACCOUNTING_PAYMENT_ACCOUNT = os.environ.get("ACCOUNTING_PAYMENT_ACCOUNT", "090")
