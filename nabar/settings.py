"""Nåbar settings, read from the environment (``NABAR_*``) with embedded defaults.

The defaults run everything on one machine: SQLite (WAL) in the data directory, the
database task queue, the console e-mail backend. Set ``DATABASE_URL`` for PostgreSQL and
``NABAR_EMAIL_HOST`` for SMTP; see docs/deployment.md.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from nabar.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("NABAR_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured key, or one generated once and kept in the data directory."""
    configured = env_str("NABAR_SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("NABAR_DEBUG", False)
ALLOWED_HOSTS = env_list("NABAR_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("NABAR_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "nabar.lib.csrf.csrf_failure"
# The absolute address customers reach, used in links inside e-mails.
# Without one set, the address `serve` listens on (NABAR_PORT), so a demo on another port
# still mails links that open.
_SERVED_AT = f"http://127.0.0.1:{env_str('NABAR_PORT', '8000')}"
SITE_URL = env_str("NABAR_SITE_URL", _SERVED_AT).rstrip("/")

INSTALLED_APPS = [
    "nabar.accounts.admin_site.NabarAdminConfig",  # django.contrib.admin, for operators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "nabar.lib.task_results.TaskResultsConfig",
    "nabar.lib",
    "nabar.accounts",
    "nabar.customers",
    "nabar.tickets",
    "nabar.mail",
    "nabar.contact",
    "nabar.routing",
    "nabar.sla",
    "nabar.waits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nabar.urls"
WSGI_APPLICATION = "nabar.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "nabar" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nabar.lib.context_processors.frame",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'nabar.sqlite3'}"),
        conn_max_age=env_int("NABAR_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (one per thread): SQLite's page cache lives in the connection, and
    # a new connection per request starts every request from a cold cache.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE takes the write
        # lock at the start of a transaction so concurrent writers queue instead of failing.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            " PRAGMA cache_size=-32000; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tickets:inbox"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REDIS_URL = env_str("NABAR_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif env_str("NABAR_CACHE") == "memory":  # one process only: the tests
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Files in the data directory, shared by the web processes of one machine, so that a rate
    # limit counts a client once and not once per process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

TASKS = {
    "default": {
        "BACKEND": env_str("NABAR_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "nabar" / "locale"]
# The language a person chose is kept for a year, not only until the browser closes.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
FORMAT_MODULE_PATH = ["nabar.formats"]
TIME_ZONE = env_str("NABAR_TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "nabar" / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    # Attachments are private: stored here and served only through access-checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Attachments: per file and per message.
NABAR_ATTACHMENT_MAX_BYTES = env_int("NABAR_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
NABAR_ATTACHMENTS_PER_MESSAGE = env_int("NABAR_ATTACHMENTS_PER_MESSAGE", 10)
# Received mail: the largest whole message (attachments encoded) the SMTP receiver and the
# import accept; 50 MB holds a 30 MB attachment after base64.
NABAR_MAIL_MAX_BYTES = env_int("NABAR_MAIL_MAX_BYTES", 50 * 1024 * 1024)
# The sweeper retrains an organisation's category classifier when it is this old and cases
# were labelled since (0: only by `manage.py train_triage`).
NABAR_TRIAGE_RETRAIN_HOURS = env_int("NABAR_TRIAGE_RETRAIN_HOURS", 24)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A closed case's private link keeps working this many days after closing.
NABAR_CASE_LINK_DAYS = env_int("NABAR_CASE_LINK_DAYS", 180)
# Public form submissions per client address and hour.
NABAR_PUBLIC_RATE_PER_HOUR = env_int("NABAR_PUBLIC_RATE_PER_HOUR", 30)
# Failed log-ins allowed per user name (and three times as many per address) in 15 minutes.
NABAR_LOGIN_FAILURES = env_int("NABAR_LOGIN_FAILURES", 10)
# Proxies in front of the web server that append to X-Forwarded-For (0: use the peer address).
NABAR_TRUSTED_PROXIES = env_int("NABAR_TRUSTED_PROXIES", 0)

EMAIL_HOST = env_str("NABAR_EMAIL_HOST")
EMAIL_PORT = env_int("NABAR_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("NABAR_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("NABAR_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("NABAR_EMAIL_TLS", False)
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = env_str(
    "NABAR_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("NABAR_DEFAULT_FROM_EMAIL", "nabar@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("NABAR_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Masks secrets in every line, tracebacks included (nabar/lib/redact.py).
        "plain": {
            "()": "nabar.lib.redact.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("NABAR_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "mail.log": {"level": "WARNING"}},
}
