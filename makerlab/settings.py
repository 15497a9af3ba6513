"""Settings for Maker Lab, read from the environment.

Production is the default: DEBUG is off, SECRET_KEY must be given and cookies are secure.
Development (``make run``) sets ``DEBUG=true`` explicitly.
"""

import re
from pathlib import Path

import bootstrap_wrapper
import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (a long random string) or DEBUG=true for development.")
    SECRET_KEY = "development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
# Django's own measure of a strong key (security.W009), enforced: a guessable key lets anyone forge sessions.
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters, for example the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LIBRARY_NAME = env.str("LIBRARY_NAME", default="Elgin Valley Public Library")

INSTALLED_APPS = [
    "makerlab.apps.MakerLabAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "django_ratelimit",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "import_export",
    "django_celery_beat",
    "simple_history",
    "makerlab",
    "staffing",
    "bookings",
    "programs",
    "seedlibrary",
    "stats",
    "mylab",
    "frontdesk",
    "safety",
    "promotion",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "makerlab.sessions.StaffSessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "makerlab.locking.BusyPageMiddleware",
]

ROOT_URLCONF = "makerlab.urls"
WSGI_APPLICATION = "makerlab.wsgi.application"

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
                "makerlab.context_processors.library",
            ],
            "builtins": ["makerlab.templatetags.plain_language"],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/makerlab")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Maker Lab runs on PostgreSQL only: DATABASE_URL must be a postgres:// URL.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# How long a request waits for a row another request has locked before it gets the "busy" page (makerlab/locking.py).
LOCK_TIMEOUT_SECONDS = env.int("LOCK_TIMEOUT_SECONDS", default=10)
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c lock_timeout={LOCK_TIMEOUT_SECONDS * 1000}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The cache on Redis degrades, never fails, when Redis is down (makerlab/cache.py): pages are rendered uncached
# and the public forms' rate limits (their own alias) are counted in each process until it is back.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "makerlab.cache.ResilientRedisCache", "LOCATION": REDIS_URL},
        "ratelimit": {"BACKEND": "makerlab.cache.RateLimitRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "rl"},
    }
    RATELIMIT_USE_CACHE = "ratelimit"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    RATELIMIT_USE_CACHE = "default"
# Anonymous public pages are served from the cache, made stale by every write that changes them (makerlab/pagecache.py).
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "makerlab.auth.CachedPermissionsBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Staff log in on shared desk computers: a login ends after this many hours without a page opened, and when the
# browser closes unless "Keep me logged in on this computer" was ticked (makerlab/sessions.py).
SESSION_ENGINE = "makerlab.sessions"
STAFF_SESSION_IDLE_HOURS = env.int("STAFF_SESSION_IDLE_HOURS", default=10)
if STAFF_SESSION_IDLE_HOURS < 1:
    raise ImproperlyConfigured(f"STAFF_SESSION_IDLE_HOURS must be 1 or more, not {STAFF_SESSION_IDLE_HOURS}.")

# django-axes: lock a username+address pair out after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The record of logins (who, from which address, when) is kept this long, then forgotten by a daily job.
LOGIN_LOG_RETENTION_DAYS = env.int("LOGIN_LOG_RETENTION_DAYS", default=30)
# Reverse proxies in front of the site (1 behind the usual one): the visitor's address is then read from
# X-Forwarded-For, through django-ipware, in one place for axes and the public form limits.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"PROXY_COUNT must be 0 or more, not {PROXY_COUNT}.")
AXES_CLIENT_IP_CALLABLE = "makerlab.http.client_ip"

LANGUAGE_CODE = "en-ca"
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", str(bootstrap_wrapper.get_bootstrap_dir())),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: every message goes through makerlab.services.notification_queue.
_email_default = f"filemail://{VAR_DIR / 'mail'}" if DEBUG else "smtp://localhost:25"
_email = env.email_url("EMAIL_URL", default=_email_default)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# django-environ drops the leading slash of an absolute filemail:// path.
EMAIL_FILE_PATH = "/" + _email.get("EMAIL_FILE_PATH", "").lstrip("/")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default=f"Maker Lab <makerlab@{'localhost' if DEBUG else 'library.example'}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# Days the outbox keeps a sent, failed or withdrawn email (to whom, what about, when) before forgetting it.
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=90)
SITE_URL = env.str("SITE_URL", default="http://localhost:8000" if DEBUG else "")

# Patrons and privacy.
PATRON_CARD_LENGTH = env.int("PATRON_CARD_LENGTH", default=14)
PATRON_CARD_PREFIX = env.str("PATRON_CARD_PREFIX", default="2")
PATRON_CARD_CHECK_DIGIT = env.bool("PATRON_CARD_CHECK_DIGIT", default=True)
PATRON_RETENTION_DAYS = env.int("PATRON_RETENTION_DAYS", default=400)
# The private links in emails (a booking, a program registration, a seed request) stop working this many days
# after the booking's session, the program's last session, or the seed request's end.
MANAGE_LINK_DAYS = env.int("MANAGE_LINK_DAYS", default=30)

# Bookings: reminders before a session, and the no-show policy.
BOOKING_REMINDER_HOURS = env.list("BOOKING_REMINDER_HOURS", cast=int, default=[24, 2])
NO_SHOW_LIMIT = env.int("NO_SHOW_LIMIT", default=3)
NO_SHOW_WINDOW_DAYS = env.int("NO_SHOW_WINDOW_DAYS", default=90)
NO_SHOW_PAUSE_DAYS = env.int("NO_SHOW_PAUSE_DAYS", default=30)

# Public forms, per client address (a library's public computers and Wi-Fi share one): posts that went
# through (a booking, a registration, a request), and a higher ceiling for forms refused (typos).
PUBLIC_POSTS_RATE = env.str("PUBLIC_POSTS_RATE", default="10/10m")
PUBLIC_REFUSED_POSTS_RATE = env.str("PUBLIC_REFUSED_POSTS_RATE", default="60/10m")
# A room of patrons answers the in-room survey from the library Wi-Fi's one address.
SURVEY_POSTS_RATE = env.str("SURVEY_POSTS_RATE", default="60/10m")
RATELIMIT_FAIL_OPEN = True  # if the cache is down, take bookings rather than refuse everyone

# Seed library: sowing windows, germination and viability, lending limits, online requests.
SEED_LAST_FROST = env.str("SEED_LAST_FROST", default="05-15")  # month-day of the average last frost
SEED_GERMINATION_THRESHOLD = env.int("SEED_GERMINATION_THRESHOLD", default=70)  # percent
SEED_RETEST_MONTHS = env.int("SEED_RETEST_MONTHS", default=12)
SEED_PACKETS_PER_SEASON = env.int("SEED_PACKETS_PER_SEASON", default=10)
SEED_PACKETS_PER_VARIETY = env.int("SEED_PACKETS_PER_VARIETY", default=1)
SEED_ORIENTATION_REQUIRED = env.bool("SEED_ORIENTATION_REQUIRED", default=True)
SEED_ONLINE_REQUESTS = env.bool("SEED_ONLINE_REQUESTS", default=True)
SEED_REQUEST_HOLD_DAYS = env.int("SEED_REQUEST_HOLD_DAYS", default=7)

# My Maker Lab: how long an emailed sign-in link can be opened (once), and how long the page stays open after.
MYLAB_LINK_MINUTES = env.int("MYLAB_LINK_MINUTES", default=30)
MYLAB_SESSION_MINUTES = env.int("MYLAB_SESSION_MINUTES", default=120)

# Spreadsheet exports of the catalogue: text is neutralised by makerlab.exports (every formula prefix, numbers kept
# as numbers); the library's own escaping only drops a leading "=" and turns every cell into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Stats: outcome surveys and the monthly board report.
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=30)
# A program's QR code in the room opens its survey until this many days after the program's last session.
SURVEY_ROOM_CODE_DAYS = env.int("SURVEY_ROOM_CODE_DAYS", default=14)
SURVEY_FOLLOW_UP = env.bool("SURVEY_FOLLOW_UP", default=True)
SURVEY_FOLLOW_UP_WEEKS = env.int("SURVEY_FOLLOW_UP_WEEKS", default=6)  # between 4 and 8
# In development the board report lands in the dev mailbox (var/mail) under a made-up address.
BOARD_REPORT_EMAILS = env.list("BOARD_REPORT_EMAILS", default=["board@library.example"] if DEBUG else [])
FISCAL_YEAR_START_MONTH = env.int("FISCAL_YEAR_START_MONTH", default=1)
REPORT_CHANGE_FLAG_PERCENT = env.int("REPORT_CHANGE_FLAG_PERCENT", default=10)
# The month closes on the 1st; the board email waits until this day of the month (1 to 28) so the coordinator
# can choose patron quotes, unless the coordinator presses "Send to the board" sooner.
BOARD_REPORT_SEND_DAY = env.int("BOARD_REPORT_SEND_DAY", default=3)
if not 1 <= BOARD_REPORT_SEND_DAY <= 28:
    raise ImproperlyConfigured(f"BOARD_REPORT_SEND_DAY must be a day from 1 to 28, not {BOARD_REPORT_SEND_DAY}.")

# Health and safety: hazard, near-miss and incident reports keep their personal details (names, first aid, what
# happened to whom) this many days after the event, as OHSA and WSIB records ask (3 years), then lose them.
SAFETY_REPORT_RETENTION_DAYS = env.int("SAFETY_REPORT_RETENTION_DAYS", default=3 * 365)
if SAFETY_REPORT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"SAFETY_REPORT_RETENTION_DAYS must be 1 or more, not {SAFETY_REPORT_RETENTION_DAYS}.")

# Celery: Redis when REDIS_URL is given, else the filesystem broker under var/broker.
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Record each run at once, so /healthz sees a live beat within a minute of starting.
CELERY_BEAT_SYNC_EVERY = 1
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Publishing gives up quickly when Redis is down, so a booking never waits on it:
    # the outbox row stays pending and the periodic sweep sends it when Redis is back.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
else:
    BROKER_DIR = VAR_DIR / "broker"
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BEAT_SCHEDULE = {
    "notifications-deliver-pending": {"task": "makerlab.tasks.notifications_deliver_pending", "schedule": 60.0},
    "bookings-reminders-send-due": {"task": "bookings.tasks.reminders_send_due", "schedule": 300.0},
    "programs-offers-expire": {"task": "programs.tasks.offers_expire", "schedule": 300.0},
    "programs-reminders-send-due": {"task": "programs.tasks.reminders_send_due", "schedule": 300.0},
    "seedlibrary-seed-requests-expire": {"task": "seedlibrary.tasks.seed_requests_expire", "schedule": 900.0},
    "stats-surveys-send-due": {"task": "stats.tasks.surveys_send_due", "schedule": 900.0},
    # At the start of every minute: the month so far on each dashboard someone is watching, counted before they look.
    "stats-live-figures-refresh": {"task": "stats.tasks.live_figures_refresh", "schedule": crontab()},
    "sessions-clear-expired": {"task": "makerlab.tasks.sessions_clear_expired", "schedule": crontab(hour=3, minute=45)},
    "login-logs-clear-old": {"task": "makerlab.tasks.login_logs_clear_old", "schedule": crontab(hour=3, minute=50)},
    "notify-requests-forget-stale": {
        "task": "bookings.tasks.notify_requests_forget_stale",
        "schedule": crontab(hour=4, minute=0),
    },
    "notifications-forget-old": {
        "task": "makerlab.tasks.notifications_forget_old",
        "schedule": crontab(hour=3, minute=55),
    },
    "mylab-sign-in-links-delete-old": {"task": "mylab.tasks.sign_in_links_delete_old", "schedule": 3600.0},
    "patrons-anonymise-stale": {
        "task": "makerlab.tasks.patrons_anonymise_stale",
        "schedule": crontab(hour=3, minute=15),
    },
    # Every day at 6:00 Toronto time (CELERY_TIMEZONE): close last month. It does the work on the 1st; later
    # runs find the month closed and do nothing, unless a worker died on the 1st.
    "stats-month-close-previous": {
        "task": "stats.tasks.month_close_previous",
        "schedule": crontab(hour=6, minute=0),
    },
    # Every day at 7:00: email the board any closed report whose day (BOARD_REPORT_SEND_DAY) has come and that
    # the coordinator has not sent yet. Each version goes once.
    "stats-reports-send-due": {"task": "stats.tasks.reports_send_due", "schedule": crontab(hour=7, minute=0)},
    # Every day at 6:30: make this month's workplace inspection for each branch (the work happens on the 1st;
    # later runs assign and email an inspection whose branch has since named its representative).
    "safety-inspections-schedule": {
        "task": "safety.tasks.inspections_schedule",
        "schedule": crontab(hour=6, minute=30),
    },
    # Every day at 7:15: email owners their overdue corrective actions, each action at most once a week.
    "safety-actions-remind-overdue": {
        "task": "safety.tasks.actions_remind_overdue",
        "schedule": crontab(hour=7, minute=15),
    },
    # Every night: safety reports older than SAFETY_REPORT_RETENTION_DAYS lose their names and first aid.
    "safety-reports-remove-personal-details": {
        "task": "safety.tasks.reports_remove_personal_details",
        "schedule": crontab(hour=4, minute=10),
    },
}
# /healthz reports beat unhealthy when it has recorded no run for this long
# (django-celery-beat writes run times every few minutes; a task runs every minute).
HEALTHZ_BEAT_MAX_AGE_SECONDS = env.int("HEALTHZ_BEAT_MAX_AGE_SECONDS", default=300)
HEALTHZ_BROKER_TIMEOUT_SECONDS = env.float("HEALTHZ_BROKER_TIMEOUT_SECONDS", default=2.0)

# Security: safe by default, relaxed only for development.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS binds the library's whole domain to HTTPS for good: its IT decides, not this app.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Django's own Redis cache counts atomically; without Redis, one process's memory counts (development).
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Widget: the library's website may frame "What's on" (/whats-on/widget/) and fetch its fragment ---
# WIDGET_FRAME_ANCESTORS lists the website's origins (https://www.example-library.ca): they alone may frame the
# widget page and read the fragment from a script. This site ('self', for the staff preview) always may; every
# other page stays unframeable.
_WIDGET_ORIGIN = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")


def _widget_origins(values: list[str]) -> list[str]:
    origins = []
    for value in (v.strip() for v in values):
        if value in ("", SELF, "self"):
            continue
        origin = value.lower().rstrip("/")
        if not _WIDGET_ORIGIN.match(origin):
            raise ImproperlyConfigured(
                f"WIDGET_FRAME_ANCESTORS: {value!r} is not a website origin. Give each as scheme and host only, "
                "separated by commas, for example https://www.example-library.ca,https://example-library.ca"
            )
        origins.append(origin)
    return [SELF, *dict.fromkeys(origins)]


WIDGET_FRAME_ANCESTORS = _widget_origins(env.list("WIDGET_FRAME_ANCESTORS", default=[]))
# --- end Widget ---

# Private tokens in request paths are logged as "[redacted]" (makerlab/logging.py): on the loggers that log
# paths, and on the handlers, for anything else that reaches them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "makerlab.logging.RedactTokensFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"filters": ["redact_tokens"]},
        "django.security.csrf": {"filters": ["redact_tokens"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools narrate every PDF step by step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
