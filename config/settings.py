"""Settings for the Shuozhou approval-transfer catalogue.

Everything that differs between a laptop, CI and production comes from the
environment, read through the small helpers below that fail loudly on a value
they do not understand.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.getenv(name, default).split(",") if part.strip()]


DEBUG = envbool("DJANGO_DEBUG", "1")

SECRET_KEY = os.getenv("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    # Only for development: a production deployment always sets its own key.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")

INSTALLED_APPS = [
    "approvals.apps.RegisterAdminConfig",  # django.contrib.admin with the scoped site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "simple_history",
    "concurrency",
    "rest_framework",
    "drf_spectacular",
    "approvals.apps.LoginRecordsConfig",  # django-axes, named in Chinese
    "csp",
    "huey.contrib.djhuey",  # the background worker: manage.py run_huey
    "approvals",
    "catalog",
    "public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the page cache reads the register's version, and before simple_history's: the events it applies
    # on their date are the system's doing, not the visitor's.
    "approvals.middleware.ApplyDueEventsMiddleware",
    # With DATABASE_REPLICA_URL: where a citizen's request reads (the replica or the primary), before the page cache
    # reads the version; after the due events, which write and read their own writes.
    "config.replica.ReplicaReadsMiddleware",
    # Outside the session, CSRF and messages middlewares, to see every cookie they set (public/caching.py).
    "public.caching.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "public.middleware.UnusableInputMiddleware",  # NUL in the address or query: 404/400, never a 500
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

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
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names another database
# (postgres://user@host:port/name selects PostgreSQL through psycopg 3, with Django's backend as config.postgresql
# extends it). A connection is kept for DB_CONN_MAX_AGE seconds and checked when a request first uses it again:
# after the server restarted or ended it, the request reconnects instead of answering 500 (as a browser test on a
# keep-alive connection did, after the test database was made again under the live server's thread). The check
# sends `SELECT 1` only when the server has written to the idle connection (config/postgresql).
DATABASE_URL = os.getenv("DATABASE_URL", "")
_CONNECTIONS = {"conn_max_age": envint("DB_CONN_MAX_AGE", "60"), "conn_health_checks": True}
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, **_CONNECTIONS)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.sqlite",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
POSTGRESQL = "config.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = POSTGRESQL
    # Pages run queries of a few milliseconds, where starting parallel workers costs more than it
    # saves (a search for 变更 over 100,000 items: 10.9 ms with two workers, 3.6 ms without).
    workers = envint("DB_PARALLEL_WORKERS", "0")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c max_parallel_workers_per_gather={workers}"
# A streaming replica of the primary: the public pages and the API read from it while it has replayed every
# commit (config/replica.py). Same options as the primary's. In tests Django must neither create nor empty a
# database on the read-only replica: the alias is the primary's mirror, and tests/test_replica.py points it at
# the test database that replication copies under the same name.
DATABASE_REPLICA_URL = os.getenv("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    try:
        replica = dj_database_url.parse(DATABASE_REPLICA_URL, **_CONNECTIONS)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL: {exc}") from None
    if replica["ENGINE"] != "django.db.backends.postgresql" or DATABASES["default"]["ENGINE"] != POSTGRESQL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL: both name PostgreSQL servers")
    replica["ENGINE"] = POSTGRESQL
    replica["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = replica
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "config.sqlite"):
    # Django's SQLite backend plus the search function PostgreSQL gets from a migration.
    DATABASES["default"]["ENGINE"] = "config.sqlite"
    # Clerks write while citizens read: wait for a lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = envint("SQLITE_TIMEOUT", "20")
    # Write-ahead log: pages keep reading while a background job writes in one long transaction (an import
    # of 20,000 rows: a minute); with SQLite's default journal they waited for it, then failed "locked".
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL"

# One cache for every worker process (the catalogue's summary, filter choices, jurisdictions):
# CACHE_URL=redis://127.0.0.1:6379/1. Unset: each process keeps its own in memory, which is enough
# for one machine; with several app servers their counts could differ for up to a minute.
CACHE_URL = os.getenv("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "shuozhou",
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses logins from a locked-out user/address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling for the admin: 5 failures lock the username from that address for an hour.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_HOURS", "1")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_RESET_ON_SUCCESS = True
# The address is REMOTE_ADDR; behind the proxy (DJANGO_BEHIND_PROXY below) it is taken from X-Forwarded-For.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
# Where collectstatic writes (a deployment's, or bench's own, never read by the tests: WhiteNoise scans it for
# each test client, and the tests find the files in static/ instead).
STATIC_ROOT = Path(os.getenv("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Where uploaded workbooks may be and how big: checked before anything is parsed.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(20 * 1024 * 1024))
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", "200000")

# Downloads written while a citizen waits stop here (about a second); larger ones are written by
# `manage.py prepare_downloads` (published editions) or refused with advice (filtered lists).
EXPORT_ONLINE_MAX_ROWS = envint("EXPORT_ONLINE_MAX_ROWS", "10000")
# The filtered lists (/export.*, /export-national.*) read the live register, about 15 times dearer a row than
# an edition's frozen rows: they stop at this many main items (never above EXPORT_ONLINE_MAX_ROWS).
EXPORT_LIST_MAX_ROWS = envint("EXPORT_LIST_MAX_ROWS", "1000")
# Anonymous visitors' pages kept in the cache under the register's version (public/caching.py). Off: every page is
# rendered (the validators and 304s stay); bench's page figures measure rendering with it off.
PUBLIC_PAGE_CACHE = envbool("DJANGO_PUBLIC_PAGE_CACHE", "1")
# How an item's 实施编码 (GB/T 39046) is composed from its parts: provinces differ. Placeholders:
# {credit_code} {item_type_code} {basic_code} {exercise_level} {division_code} (approvals.codes.implementation_code,
# which refuses any other); an item lacking a part it names has no 实施编码.
IMPLEMENTATION_CODE_FORMAT = os.getenv(
    "IMPLEMENTATION_CODE_FORMAT", "{credit_code}{item_type_code}{basic_code}{exercise_level}"
)
# The admin's flat import and export (django-import-export, row by row: about 7 ms a row imported and
# 1 ms exported at 100,000 items) stop at this many rows; the official-layout commands have no limit.
ADMIN_FLAT_MAX_ROWS = envint("ADMIN_FLAT_MAX_ROWS", "1000")
# Where the files of published editions are kept once written.
DOWNLOADS_DIR = Path(os.getenv("DOWNLOADS_DIR", str(BASE_DIR / "var" / "downloads")))
# The licence of the published editions' files, as its IRI in the open data (DCAT dct:license).
OPEN_DATA_LICENSE = os.getenv("OPEN_DATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
# The government service portal a search that found nothing points to, beside the 12345 hotline.
SERVICE_PORTAL_URL = os.getenv("SERVICE_PORTAL_URL", "https://zwfw.shanxi.gov.cn/")
# Where a workbook uploaded in the admin waits between its preview and its confirmation (a day at most).
IMPORT_UPLOADS_DIR = Path(os.getenv("IMPORT_UPLOADS_DIR", str(BASE_DIR / "var" / "uploads")))
# An uploaded workbook of more rows than this is previewed and imported by a background job, never in the request.
IMPORT_JOB_MIN_ROWS = envint("IMPORT_JOB_MIN_ROWS", "2000")

# Background jobs (imports, download files, county catalogues) go through Huey's queue. By default it is a
# SQLite file beside the project: no service to run, shared by the web server and the worker of one machine.
# With several machines, HUEY_REDIS_URL names a Redis database all of them reach; not the cache's, whose
# clear() empties the whole database.
HUEY_REDIS_URL = os.getenv("HUEY_REDIS_URL", "")
HUEY_FILE = Path(os.getenv("HUEY_FILE", str(BASE_DIR / "var" / "huey.sqlite3")))
if HUEY_REDIS_URL and HUEY_REDIS_URL == CACHE_URL:
    raise ImproperlyConfigured("HUEY_REDIS_URL must name another Redis database than CACHE_URL (e.g. /2)")
HUEY = {
    "name": "shuozhou",
    # Jobs keep their own record (catalog.Job); Huey's result store would only fill up.
    "results": False,
    # djhuey's default is DEBUG, which would run every job inside the request that starts it.
    "immediate": False,
    "consumer": {"workers": envint("HUEY_WORKERS", "1"), "worker_type": "thread"},
}
if HUEY_REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": HUEY_REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(HUEY_FILE)})
    HUEY_FILE.parent.mkdir(parents=True, exist_ok=True)  # Huey opens the file as soon as it is imported
# A running job whose worker has not been heard of for this long was interrupted (its worker stopped).
JOB_STALE_SECONDS = envint("JOB_STALE_SECONDS", "300")

# Four eyes: whoever compiled or imported a draft may not publish it. A one-person office turns it off.
PUBLISH_FOUR_EYES = envbool("DJANGO_PUBLISH_FOUR_EYES", "1")

# The notice's own jurisdiction: public pages show it unless asked for another.
DEFAULT_JURISDICTION = os.getenv("DEFAULT_JURISDICTION", "shuozhou")

# The register (approvals) and the publication (catalog) know nothing of the public pages: their addresses
# are given here.
ABSOLUTE_URL_OVERRIDES = {
    "approvals.approvalitem": lambda item: reverse("public:item", args=[item.code]),
    "approvals.department": lambda department: reverse("public:department", args=[department.slug]),
    "catalog.edition": lambda edition: reverse("public:edition", args=[edition.slug]),
}

# django-import-export: only users with the model permission may import or export.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
# The admin's export pages through the rows with their prefetched relations: larger pages, fewer
# queries; 999 is the most a prefetch on SQLite accepts (more makes its expression tree too deep).
IMPORT_EXPORT_CHUNK_SIZE = envint("IMPORT_EXPORT_CHUNK_SIZE", "999")
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Formula escaping on. Our own formats (approvals.admin.flat_io.SafeXLSX/SafeCSV) replace the library's
# export_data, so this does not touch them: they keep text inert without losing a character. It guards
# any other tablib format an admin may add, where the library drops a leading '=' instead.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# History is for reading: a past version is restored by a new, audited edit, never by a silent revert.
SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "朔州市行政审批事项划转目录 API",
    "DESCRIPTION": "只读接口：事项、部门、目录版本。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Security headers. Production (DEBUG off) gets secure cookies, HTTPS redirects and HSTS;
# each can be turned off through the environment where TLS ends elsewhere.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", "0" if DEBUG else "1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", "1")
if envbool("DJANGO_BEHIND_PROXY", "0"):
    # The reverse proxy terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Every request comes from the proxy's address: django-axes must key lockouts on the client's,
    # the address our proxies appended to X-Forwarded-For (counted from the right, see config/client_ip.py).
    PROXY_COUNT = envint("DJANGO_PROXY_COUNT", "1")
    if PROXY_COUNT < 1:
        raise ImproperlyConfigured(f"DJANGO_PROXY_COUNT must be 1 or more behind a proxy, not {PROXY_COUNT}")
    AXES_CLIENT_IP_CALLABLE = "config.client_ip.forwarded_client_ip"
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# Content-Security-Policy (django-csp): no inline script anywhere, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
