"""Settings shared by every environment; everything that differs is read from the environment."""

import datetime
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# No default here: local.py and test.py set a development key, production reads it from
# the environment and refuses to start without one.
SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    # The second factor (django-otp): an authenticator app (TOTP) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "platforms",
    "rounds",
    "initiatives",
    "summaries",
    "parliament",
    # The audit log ("logboek", /audit/): django-auditlog's one table, and our app that reads it.
    "auditlog",
    "audit",
    # Mails are queued and sent by a worker (`manage.py db_worker`): django.tasks with django-tasks-db's
    # database queue, so no extra server is needed; /mails/ shows them to admins.
    "django_tasks_db",
    "mail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor? Then ours sends the
    # sessions that must and have not to the second-factor pages.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "lopportal.middleware.session_idle_timeout",
    # A report form posted after the session ended is kept for after the login (before the redirect to it).
    "rounds.kept.KeepReportFormMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # The logged-in person is the actor of the audit entries a request writes (audit/middleware.py says
    # why not auditlog's own middleware).
    "audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages (the login page says why the session ended), and logging out before any
    # view's checks run (their process_view comes after every middleware's request phase).
    "lopportal.middleware.session_lifetime",
    "lopportal.middleware.no_store_when_logged_in",  # Cache-Control: no-store on a logged-in user's pages
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lopportal.urls"
WSGI_APPLICATION = "lopportal.wsgi.application"

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

# SQLite file by default; PostgreSQL (or anything dj-database-url style) through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections, checked before reuse so that a restarted database is picked up.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Optional read replica (PostgreSQL streaming replication) for the ministry's summary, its
# drill-down and the answer text: reads that may lag a second behind and are the heaviest.
# Everything else, and every write, uses the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
SUMMARY_DATABASE = "replica" if "replica" in DATABASES else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username/address first
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

# The interface is Dutch (Flemish): strings are written in English in the code and
# translated in locale/nl; dates are Belgian (dd/mm/yyyy, see lopportal/formats/nl).
LANGUAGE_CODE = "nl-be"
LANGUAGES = [("nl-be", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["lopportal.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
# Outside production the files are served from the finders, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Console backend unless EMAIL_URL says otherwise (e.g. smtp+tls://user:pass@host:587),
# written as Django 6.1's MAILERS (the EMAIL_* settings are deprecated).
_email = env.email_url("EMAIL_URL", default="consolemail://")
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"]}}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": _email["EMAIL_HOST"],
        "port": _email["EMAIL_PORT"],
        "username": _email.get("EMAIL_HOST_USER") or None,
        "password": _email.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        "timeout": 30,
    }
# Each process keeps its own in-memory cache (the summaries, keyed on data versions, need no sharing);
# what must hold across workers and app servers (the password-reset throttle) uses a cache table in the
# database, made by `manage.py createcachetable` (`make migrate` runs it; the test database gets it).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "lopportal_cache"},
}

# Background jobs (django.tasks) on a queue in our own database; `manage.py db_worker` runs them (README "Mail").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Minutes between the attempts to send a mail the mail server refused or did not answer; after the last
# one the mail is marked failed and an admin can send it again from /mails/.
MAIL_RETRY_DELAYS = [1, 5, 30, 120, 480]

DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="LOP-portaal <noreply@lop-portaal.vlaanderen.be>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy (Django 6's own): our own files only, no inline script or style, no
# plugins, no <base>, no framing. Every page of the project works within it (tested).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions end after a period of inactivity (two hours by default): activity moves the expiry
# forward (lopportal.middleware.session_idle_timeout, at most every five minutes), so an active
# user is never logged out mid-report. A password change ends the user's other sessions (Django's
# session auth hash); a deactivated account's sessions end at once.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=2 * 60 * 60)
SESSION_COOKIE_SAMESITE = "Lax"
# However active, a session ends twelve hours after the login (lopportal.middleware.session_lifetime):
# a stolen session cookie is not good forever.
SESSION_MAX_SECONDS = env.int("DJANGO_SESSION_MAX_SECONDS", default=12 * 60 * 60)

# The number of our own proxies (load balancers) in front of the app servers, each appending the
# address it was connected from to X-Forwarded-For. The client's address is the entry the outermost
# one wrote, never one further left, which the client wrote itself (lopportal/client_address.py);
# 0 (no proxy) ignores the header. Used by the login lockout and the password-reset throttle.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Repeated wrong passwords lock that username from that address (django-axes): five tries, then
# fifteen minutes; other users and other addresses are not affected.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("DJANGO_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "lopportal.client_address.client_ip"

# A password-reset request takes at least this long, whether a mail is sent or not, so that the
# time of the answer does not tell whether an account uses the address (accounts/password_reset.py).
# Set it above the mail server's usual hand-off time.
PASSWORD_RESET_MIN_SECONDS = env.float("DJANGO_PASSWORD_RESET_MIN_SECONDS", default=0.5)

# The audit log keeps who changed what, not where from: addresses are personal data, and the
# client writes X-Forwarded-For. Entries store their changes as JSON (old → new per field).
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_STORE_JSON_CHANGES = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# `manage.py loaddemo` creates accounts with a published password: never in production.
DEMO_DATA_ALLOWED = True

# Admins and ministry staff (they see every platform) log in with a second factor: a code from an
# authenticator app or a one-time recovery code (django-otp; accounts/middleware.py enforces it,
# accounts/second_factor.py holds the rules). Coordinators may turn it on. With the exemption on,
# the demo accounts (platforms/demo.py) log in without one, so that `make run` stays a one-command
# start; production refuses to start with it on.
SECOND_FACTOR_DEMO_EXEMPT = env.bool("DJANGO_SECOND_FACTOR_DEMO_EXEMPT", default=False)
OTP_TOTP_ISSUER = "LOP-portaal"  # the name the authenticator app shows next to the codes
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the Django admin never shows a device's secret key

# SQLite: take the write lock when a transaction starts, so that two concurrent writers wait
# for each other instead of failing with "database is locked" halfway through.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

# The address of the site as users reach it, for links in mails sent outside a request.
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The author of the Word documents the portal writes (answers to parliament): the department.
DOCUMENT_AUTHOR = env("DJANGO_DOCUMENT_AUTHOR", default="Departement Onderwijs en Vorming")

# Bounds of every file import (platforms, members, reports, questionnaires; web and command), checked while the
# file is read so that no file, however made, ties up a worker (lopportal/imports.py; README "Imports").
IMPORT_MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # a CSV file; an XLSX workbook once unpacked (from its zip directory)
IMPORT_MAX_COMPRESSION_RATIO = 100  # a workbook part of 1 MB+ packed tighter is refused (Excel's are 5-20 times)
IMPORT_MAX_LINES = 100_000  # lines (sheet rows) read, empty ones included: reading stops there
# Data rows per kind: a confirmed import writes about 1 (platforms) to 8 (members) ms per row, inside one request.
IMPORT_MAX_ROWS = {"platforms": 1_000, "members": 2_000, "responses": 1_000, "questionnaire": 10_000}
IMPORT_MAX_CELLS = 500_000  # cells read in all, a row counting up to its last cell
IMPORT_MAX_CELL_CHARS = 4_000  # the longest text any field takes (rounds.models.TEXT_MAX_LENGTH)
IMPORT_ERRORS_SHOWN = 100  # a refused file lists this many errors, then how many more there are
