"""Settings, read from the environment through typed helpers that fail loudly.

Two modes (``AIMS_MODE``):

* ``production`` (the default, so a forgotten variable fails closed): ``SECRET_KEY``,
  ``ALLOWED_HOSTS`` and ``DATABASE_URL`` are required; cookies are secure; HSTS and a Content
  Security Policy are on.
* ``development``: set by ``make run`` and ``make test`` (through ``var/dev.env``); without
  ``DATABASE_URL`` / ``REDIS_URL``, the embedded PostgreSQL and Redis of ``aims.embedded``.
  These settings only say where those are: the entry points start them (``embedded.start()``).

Environment variables win over ``var/dev.env``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from aims import embedded
from aims.env import Env, database_from_url, read_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AIMS_VAR_DIR", BASE_DIR / "var"))

# var/dev.env is written by `make run` / `make test`; never present in a production image.
_dev_file = read_env_file(VAR_DIR / "dev.env")
env = Env({**_dev_file, **os.environ})

AIMS_MODE = env.choice("AIMS_MODE", ("production", "development"), "production")
DEVELOPMENT = AIMS_MODE == "development"
PRODUCTION = not DEVELOPMENT

# --- Core -----------------------------------------------------------------------------------
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", required=True)
else:
    SECRET_KEY = env.str("SECRET_KEY", "development-only-key-not-for-production-" + "x" * 16)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

DEBUG = env.bool("DEBUG", default=False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("DEBUG cannot be on in production mode.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "aims",
    "controls",
    "risk",
    "impact",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aims.middleware.RequestContextMiddleware",
    "aims.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aims.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aims.middleware.UnavailableMiddleware",
]

ROOT_URLCONF = "aims.urls"
WSGI_APPLICATION = "aims.wsgi.application"

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
                "aims.context_processors.navigation",
            ],
        },
    },
]

# --- Database and Redis ---------------------------------------------------------------------
# In development without DATABASE_URL / REDIS_URL: the embedded servers under VAR_DIR. Importing
# the settings starts nothing; manage.py, aims.wsgi, the Celery worker and beat and the test
# suite call embedded.start(), which also sets the socket directory PostgreSQL chose.
EMBEDDED_SERVERS: list[str] = []
_database_url = env.optional_str("DATABASE_URL")
if _database_url is None:
    if PRODUCTION:
        raise ImproperlyConfigured("The environment variable DATABASE_URL is required.")
    EMBEDDED_SERVERS.append("postgres")
    _database_url = embedded.postgres_url(VAR_DIR)
DATABASES = {"default": database_from_url(_database_url)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", "test_aims")}
#: Lists count their rows exactly up to this many, then give the planner's estimate, flagged
#: (``aims.pagination``).
AIMS_EXACT_COUNT_LIMIT = env.int("AIMS_EXACT_COUNT_LIMIT", 10_000, minimum=1)

# PostgreSQL's JIT compiler pays off on long analytical queries, not on the short statements of
# a page: a visibility filter (EXISTS over a link table) is estimated expensive enough to be
# compiled, which took 108 ms of a 128 ms list query at benchmark scale (20 ms without).
# DATABASE_JIT=true leaves the server's setting alone (e.g. behind a pooler that refuses
# startup options).
if not env.bool("DATABASE_JIT", default=False):
    _options: dict[str, str] = DATABASES["default"].setdefault("OPTIONS", {})  # type: ignore[assignment]
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.optional_str("REDIS_URL")
if REDIS_URL is None:
    if PRODUCTION:
        raise ImproperlyConfigured("The environment variable REDIS_URL is required.")
    EMBEDDED_SERVERS.append("redis")
    REDIS_URL = embedded.redis_url(VAR_DIR)
if not REDIS_URL.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL must be a redis:// or redis+socket:// URL: {REDIS_URL!r}"
    )
# Django's cache speaks redis-py URLs (unix://); Celery/kombu speaks redis+socket://.
_cache_url = REDIS_URL.replace("redis+socket://", "unix://", 1)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _cache_url,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", "aims"),
    }
}

# --- Web server and database connection budget (aims/webserver.py, aims/gunicorn.conf.py) ---
# gunicorn's workers × threads, the Celery processes and beat each may hold a connection
# (CONN_MAX_AGE above keeps it; CONN_HEALTH_CHECKS drops a dead one); their sum stays within
# the budget: PostgreSQL's max_connections less its superuser slots less the reserve below
# (migrations, management commands, psql). 0 means derived: sizes from the CPU count, lowered
# to fit; the budget from the server; Celery's as a worker without --concurrency (CPUs + beat).
# `make run` serves with gunicorn; DEV_SERVER=1 with Django's development server instead.
DEV_SERVER = env.bool("DEV_SERVER", default=False)
WEB_WORKERS = env.int("WEB_WORKERS", 0, minimum=0)
WEB_THREADS = env.int("WEB_THREADS", 0, minimum=0)
DATABASE_CONNECTION_BUDGET = env.int("DATABASE_CONNECTION_BUDGET", 0, minimum=0)
DATABASE_RESERVED_CONNECTIONS = env.int("DATABASE_RESERVED_CONNECTIONS", 5, minimum=0)
CELERY_DATABASE_CONNECTIONS = env.int("CELERY_DATABASE_CONNECTIONS", 0, minimum=0)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", "aims")
# Reports and exports (high memory, long time limits) go to a queue of their own with a worker
# of low concurrency, so a slow PDF never delays an e-mail (aims.celery.route_task).
CELERY_EXPORTS_QUEUE = env.str("CELERY_EXPORTS_QUEUE", "exports")
CELERY_TASK_ROUTES = ("aims.celery.route_task",)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing while Redis is down fails within about two seconds (the request then answers 503)
# instead of hanging the web worker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "expire-reports": {"task": "aims.tasks.expire_reports", "schedule": 24 * 3600.0},
    # Beat runs in UTC: 21:00 UTC is 06:00 in Japan, so reminders are waiting at the start of
    # the working day, and the job's "today" (TIME_ZONE) is already the Japanese date.
    "send-review-reminders": {
        "task": "aims.tasks.send_review_reminders",
        "schedule": crontab(hour=21, minute=0),
    },
    # Just before the reminders, so a risk reopened by an expired acceptance is in the digest.
    "expire-risk-acceptances": {
        "task": "risk.tasks.expire_risk_acceptances",
        "schedule": crontab(hour=20, minute=50),
    },
}

# --- Job time limits and the sweeper -------------------------------------------------------
# Rendering a report: the soft limit ends it with a message, the hard limit kills the process.
REPORT_SOFT_TIME_LIMIT = env.int("REPORT_SOFT_TIME_LIMIT", 600, minimum=1)
REPORT_TIME_LIMIT = env.int("REPORT_TIME_LIMIT", 660, minimum=1)
if REPORT_TIME_LIMIT <= REPORT_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("REPORT_TIME_LIMIT must be above REPORT_SOFT_TIME_LIMIT.")
# A message taken by a worker that dies unacknowledged goes back to its queue after this many
# seconds. Above every task's hard limit and retry delay, or a running task would be delivered
# a second time (tests/aims/test_jobs.py checks every task against it).
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", 900, minimum=1)
if max(REPORT_TIME_LIMIT, CELERY_TASK_TIME_LIMIT) >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must be above REPORT_TIME_LIMIT and "
        "CELERY_TASK_TIME_LIMIT."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
}
# The sweeper (every JOB_SWEEP_INTERVAL seconds) sends again a job still queued after
# JOB_REQUEUE_AFTER seconds (its message was lost: Redis restarted empty, a worker died before
# taking it), fails one still queued after JOB_QUEUED_MAX seconds, and fails a running one past
# its hard limit (its worker was killed).
JOB_SWEEP_INTERVAL = env.int("JOB_SWEEP_INTERVAL", 60, minimum=10)
JOB_REQUEUE_AFTER = env.int("JOB_REQUEUE_AFTER", 300, minimum=30)
JOB_QUEUED_MAX = env.int("JOB_QUEUED_MAX", 6 * 3600, minimum=600)
CELERY_BEAT_SCHEDULE["sweep-jobs"] = {
    "task": "aims.tasks.sweep_jobs",
    "schedule": float(JOB_SWEEP_INTERVAL),
}
# Seconds a client is told to wait (Retry-After) when PostgreSQL or Redis is unavailable.
RETRY_AFTER_SECONDS = env.int("RETRY_AFTER_SECONDS", 30, minimum=1)

# --- Change log anchoring -------------------------------------------------------------------
# Each change record carries an HMAC keyed with this secret, which the database never holds, so
# whoever can write to the database cannot re-hash a forged record unseen. From the environment
# or from a file (a Docker or Kubernetes secret). Keep it: records signed with a lost key can
# no longer be verified.
_hmac_key = env.optional_str("CHANGE_LOG_HMAC_KEY")
_hmac_key_file = env.optional_str("CHANGE_LOG_HMAC_KEY_FILE")
if _hmac_key and _hmac_key_file:
    raise ImproperlyConfigured("Set CHANGE_LOG_HMAC_KEY or CHANGE_LOG_HMAC_KEY_FILE, not both.")
if _hmac_key_file:
    try:
        _hmac_key = Path(_hmac_key_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(
            f"CHANGE_LOG_HMAC_KEY_FILE {_hmac_key_file!r} cannot be read: {error}"
        ) from None
if not _hmac_key:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "The environment variable CHANGE_LOG_HMAC_KEY is required (or "
            "CHANGE_LOG_HMAC_KEY_FILE, naming a file that holds it)."
        )
    # A checkout whose var/dev.env predates the key: one derived from its own random
    # SECRET_KEY, stable across restarts (aims.devenv writes a key of its own into new ones).
    _hmac_key = hashlib.sha256(f"development change log key {SECRET_KEY}".encode()).hexdigest()
if len(_hmac_key) < 32:
    raise ImproperlyConfigured("CHANGE_LOG_HMAC_KEY must be at least 32 random characters.")
if PRODUCTION and _hmac_key == SECRET_KEY:
    raise ImproperlyConfigured("CHANGE_LOG_HMAC_KEY must differ from SECRET_KEY.")
CHANGE_LOG_HMAC_KEY = _hmac_key
# The head of the chain is appended to anchors.jsonl in this directory, outside the database,
# every CHANGE_LOG_ANCHOR_MINUTES (beat); verify_change_log checks every anchor is still there.
_anchor_dir = env.optional_str("CHANGE_LOG_ANCHOR_DIR")
if _anchor_dir is None:
    if PRODUCTION:
        raise ImproperlyConfigured("The environment variable CHANGE_LOG_ANCHOR_DIR is required.")
    _anchor_dir = str(VAR_DIR / "change-log-anchors")
CHANGE_LOG_ANCHOR_DIR = Path(_anchor_dir)
CHANGE_LOG_ANCHOR_MINUTES = env.int("CHANGE_LOG_ANCHOR_MINUTES", 15, minimum=1)
CELERY_BEAT_SCHEDULE["export-change-log-anchor"] = {
    "task": "aims.tasks.export_change_log_anchor",
    "schedule": CHANGE_LOG_ANCHOR_MINUTES * 60.0,
}

# --- Review reminders -----------------------------------------------------------------------
# Owners are reminded of records whose review (or validity) date falls within this many days
# from today, and of overdue ones. 0 reminds only on the due date and after.
REVIEW_REMINDER_DAYS = env.int("REVIEW_REMINDER_DAYS", 14, minimum=0)

# --- Reports --------------------------------------------------------------------------------
# Rendered report files are kept this many days, then removed (the job row stays).
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", 7, minimum=1)

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in unchecked
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row
GUARDIAN_RAISE_403 = False

# --- Login throttling (django-axes, aims/login_throttle.py) ----------------------------------
# Failed sign-ins are counted in the database (no cache: sign-in works while Redis is down) for
# one client address on one username, and for one username from every address. Failures from
# one address on other usernames never lock anyone: a shared address (NAT, reverse proxy) is
# not a reason to refuse a user's correct password.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", 10, minimum=1)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# The client address: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT reverse proxies stand in front of
# the app; then the address the outermost of them saw, taken from the right of the header they
# append to (X-Forwarded-For). Entries a client wrote into that header itself are ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", "X-Forwarded-For")
AXES_HANDLER = "aims.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"], "username"]
AXES_FAILURE_LIMIT = "aims.login_throttle.failure_limit"
AXES_COOLOFF_TIME = "aims.login_throttle.cool_off"
AXES_CLIENT_IP_CALLABLE = "aims.login_throttle.client_address"
AXES_RESET_ON_SUCCESS = True
# A locked-out client's further attempts are not counted: one address cannot push a username
# on to the lockout of every address, nor keep extending its own.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ADMIN = True  # admin: Axes → access attempts, to see and delete lockouts
# Axes' middleware only swaps the page of a locked-out sign-in for its own; the sign-in forms
# (aims/forms/accounts.py, the admin's too) say it themselves, in the user's language.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", 365, minimum=1)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env.choice("LANGUAGE_CODE", ("ja", "en"), "ja")
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "aims_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# Uploaded files live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
DOCUMENT_EXTENSIONS = (
    ".pdf",
    ".docx",
    ".xlsx",
    ".pptx",
    ".odt",
    ".txt",
    ".md",
    ".csv",
    ".png",
    ".jpg",
    ".jpeg",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Limits on uploaded tables and library files (what a file may unpack or expand to).
XLSX_MAX_UNCOMPRESSED_BYTES = env.int("XLSX_MAX_UNCOMPRESSED_BYTES", 32 * 1024 * 1024, minimum=1)
XLSX_MAX_MEMBERS = env.int("XLSX_MAX_MEMBERS", 500, minimum=1)
LIBRARY_MAX_REQUIREMENTS = env.int("LIBRARY_MAX_REQUIREMENTS", 5_000, minimum=1)
LIBRARY_MAX_ATTRIBUTES_CHARS = env.int("LIBRARY_MAX_ATTRIBUTES_CHARS", 5_000, minimum=1)
# Evidence files: the same limits as documents unless set, plus machine-readable reports.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", DOCUMENT_MAX_BYTES, minimum=1)
EVIDENCE_EXTENSIONS = (*DOCUMENT_EXTENSIONS, ".json")


def _file_storage() -> dict[str, object]:
    """Where uploaded and rendered files live: the local filesystem (``MEDIA_ROOT``) unless
    ``AWS_STORAGE_BUCKET_NAME`` names a bucket of an S3-compatible object store (cloud S3,
    MinIO), reached at ``AWS_S3_ENDPOINT_URL`` (empty: AWS) with ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` (both or neither: neither leaves them to the instance role).
    Files are private; downloads are presigned URLs valid ``AWS_QUERYSTRING_EXPIRE`` seconds,
    handed out only after the permission check (``aims.storage``)."""
    bucket = env.optional_str("AWS_STORAGE_BUCKET_NAME")
    if bucket is None:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    key_id = env.optional_str("AWS_ACCESS_KEY_ID")
    secret = env.optional_str("AWS_SECRET_ACCESS_KEY")
    if (key_id is None) != (secret is None):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (instance role)."
        )
    endpoint = env.optional_str("AWS_S3_ENDPOINT_URL")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ImproperlyConfigured("AWS_S3_ENDPOINT_URL must be an http(s) URL.")
    options: dict[str, object] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": env.optional_str("AWS_S3_REGION_NAME"),
        "access_key": key_id,
        "secret_key": secret,
        "addressing_style": env.choice(
            "AWS_S3_ADDRESSING_STYLE", ("auto", "path", "virtual"), "auto"
        ),
        "location": env.str("AWS_LOCATION", ""),
        "default_acl": None,  # private objects; the bucket policy decides, never public-read
        "file_overwrite": False,  # a new upload never replaces a stored file
        "querystring_auth": True,
        "signature_version": "s3v4",  # what MinIO and every current S3 region accept
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", 60, minimum=1),
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _file_storage(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEVELOPMENT
# Fonts are already compact; compressed copies of 5 MB TTFs would only slow the build.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "woff",
    "woff2",
    "ttf",
    "otf",
]
if DEVELOPMENT:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from finders here

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "aims@localhost")
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])
# A strict Content Security Policy: everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS += (
        [] if SECURE_HSTS_PRELOAD else ["security.W021"]  # preload is an opt-in decision
    )

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aims.api.authentication.BearerTokenAuthentication",
        "aims.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["aims.api.permissions.PolicyPermission"],
    "DEFAULT_PAGINATION_CLASS": "aims.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        # Filter choices of governed rows are the rows the user sees (aims.filters).
        "aims.api.filters.ScopedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["aims.api.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEVELOPMENT else []),
    # JSON bodies only (with a depth and size limit); the operations that take a file add
    # multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["aims.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "aims.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AIMS platform API",
    "DESCRIPTION": (
        "REST API of the AI management system platform (ISO/IEC 42001:2023, AI Guidelines for "
        "Business). Authenticate with a session or with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["aims.api.permissions.PolicyPermission"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a "status" or a "scope": each choice set gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "TokenScopeEnum": "aims.choices.TokenScope",
        "AssessmentScopeEnum": "impact.choices.AssessmentScope",
        "ConformanceStatusEnum": "aims.choices.ConformanceStatus",
        "ObjectiveStatusEnum": "aims.choices.ObjectiveStatus",
        # Documents and impact assessments share draft / in_review / approved / superseded.
        "ApprovalStatusEnum": "aims.choices.ApprovalStatus",
        "DocumentKindEnum": "aims.choices.DocumentKind",
        "ReportStatusEnum": "aims.choices.ReportStatus",
        "RiskStatusEnum": "risk.choices.RiskStatus",
        "TreatmentActionStatusEnum": "risk.choices.ActionStatus",
        "VerificationResultEnum": "audit.choices.VerificationResult",
        # An audit checklist row's result beside the control tests' result.
        "ChecklistResultEnum": "audit.choices.ChecklistResult",
        "ControlTestResultEnum": "controls.choices.TestResult",
    },
    # --- OpenAPI error answers: the error body and 400/401/403/404/409/503 on every operation
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aims.api.schema.declare_errors",
    ],
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL: str = env.choice("LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"routine_refusals": {"()": "aims.log_filters.RoutineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "aims.security": {"level": "INFO"},
        "django.request": {"filters": ["routine_refusals"]},  # a 403 is routine, not a warning
        "axes": {"level": "WARNING"},  # failures and lockouts; not every successful sign-in
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
    },
}

DEMO_PASSWORD = env.optional_str("DEMO_PASSWORD")
AIMS_TOKEN_PREFIX = "aims"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
