"""Settings shared by every environment. Everything that differs comes from the environment.

With no environment at all the site runs embedded: a SQLite file, Celery tasks executed
eagerly in the web process, e-mail printed to the console and media on local disk.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-embedded-demo-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "lms.core",
    "lms.people",
    "lms.learning",
    "lms.notifications",
    "lms.training",
    "lms.certificates",
    "lms.reports",
    "lms.api",
    "lms.demo",
    "content",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # its templates and static files: the API docs page loads nothing from outside
    "axes",
    "csp",  # django-csp: its system checks
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.csp.SiteCSPMiddleware",  # Content-Security-Policy (django-csp): see the block at the end
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.people.context_processors.hr",
                "lms.notifications.context_processors.bell",
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production), otherwise an embedded SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a request writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out; authenticate() needs request=
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): 5 failures for one account from one address lock that pair out for
# 15 minutes (officials of a commune often share one address); a successful login clears the count.
# Attempts are kept in the database, so every web process sees them. Unlock early with
# `manage.py axes_reset_username <login>`.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # "try again in 15 minutes" holds even if they retry
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind a reverse proxy every request comes from the proxy's address: set how many proxies
# append to X-Forwarded-For so that throttling keys on the real visitor.
TRUSTED_PROXY_COUNT = int(env("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "lms.core.client_ip.client_ip"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "learning:my_learning"
LOGOUT_REDIRECT_URL = "/"

# Vietnamese first, English selectable. Formats fill the gaps in Django's "vi" locale.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["lms.formats"]
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Page slugs stay ASCII: Vietnamese titles are transliterated (đ → d) by lms.core.text.vi_slugify.
WAGTAIL_ALLOW_UNICODE_SLUGS = False

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Files that must never be served publicly (uploaded lists of officials, later signing keys).
PRIVATE_MEDIA_ROOT = Path(env("DJANGO_PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
def storages(private_root, staticfiles_backend="django.contrib.staticfiles.storage.StaticFilesStorage"):
    """Uploads on disk, the private storage at ``private_root``, static files by ``staticfiles_backend``
    (the settings of each environment call it again when they move one of them)."""
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": private_root}},
        "staticfiles": {"BACKEND": staticfiles_backend},
    }


STORAGES = storages(PRIVATE_MEDIA_ROOT)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# E-mail: console unless an SMTP host is configured.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# Seconds before a silent SMTP server fails the send: the sent-once e-mails hold a row lock meanwhile.
EMAIL_TIMEOUT = int(env("DJANGO_EMAIL_TIMEOUT", "30"))
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Công chức số <no-reply@congchucso.local>")

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_CACHE_URL")}
        if env("REDIS_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: a broker URL means real workers; without one tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not env("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "send-pending-completion-emails": {
        "task": "lms.learning.tasks.send_pending_completion_emails",
        "schedule": crontab(minute="*/15"),
    },
    "close-expired-quiz-attempts": {
        "task": "lms.learning.tasks.close_expired_attempts",
        "schedule": crontab(minute="*"),
    },
    "issue-missing-certificates": {
        "task": "lms.certificates.tasks.issue_missing_certificates",
        "schedule": crontab(minute="*/10"),
    },
    "send-pending-certificate-emails": {
        "task": "lms.certificates.tasks.send_pending_certificate_emails",
        "schedule": crontab(minute="*/15"),
    },
    # In the morning, when officials read their mail: every reminder source records what is due
    # (certificate expiry, obligations…), then each person gets one e-mail (lms.notifications).
    "send-reminders": {
        "task": "lms.notifications.tasks.run_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Past due dates folded into one row per key, so the overdue tallies stop growing with the calendar.
    "compact-due-tallies": {
        "task": "lms.reports.tasks.compact_due_tallies",
        "schedule": crontab(hour=1, minute=30),
    },
    # Background jobs whose worker died are sent again or marked failed (lms.core.jobs).
    "sweep-stalled-jobs": {
        "task": "lms.core.tasks.sweep_stalled_jobs",
        "schedule": crontab(minute="*"),
    },
    "prune-certificate-archives": {
        "task": "lms.certificates.tasks.prune_certificate_archives",
        "schedule": crontab(minute=5),
    },
    "prune-report-exports": {
        "task": "lms.reports.tasks.prune_report_exports",
        "schedule": crontab(minute=10),
    },
}

# Background jobs (lms.core.jobs): a running job stamps its row every JOBS_HEARTBEAT_SECONDS; one
# silent for JOBS_STALE_SECONDS is sent again, and failed after JOBS_MAX_ATTEMPTS attempts; one never
# picked up is sent again after JOBS_LOST_SECONDS.
JOBS_HEARTBEAT_SECONDS = float(env("JOBS_HEARTBEAT_SECONDS", "15"))
JOBS_STALE_SECONDS = float(env("JOBS_STALE_SECONDS", "90"))
JOBS_LOST_SECONDS = float(env("JOBS_LOST_SECONDS", "240"))
JOBS_MAX_ATTEMPTS = int(env("JOBS_MAX_ATTEMPTS", "3"))
# The import's dry run warns loudly when a file would deactivate more than this share of a unit.
IMPORT_DEACTIVATE_WARN_SHARE = float(env("IMPORT_DEACTIVATE_WARN_SHARE", "0.2"))

WAGTAIL_SITE_NAME = "Công chức số"
# The public address, the only one e-mails, password links and certificate QR codes use (never
# the request's Host). Required in production; `make demo` sets it to the address it serves on
# (http://$(HOST):$(PORT)); the default only fits a bare `manage.py runserver`. No trailing "/".
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Embedded players keep their own size; static/css/site.css makes them fluid (16:9) without the
# inline style Wagtail's responsive wrapper would need (the site's CSP refuses inline styles).
WAGTAILEMBEDS_RESPONSIVE_HTML = False


LEARNING_DUE_SOON_DAYS = 14

# Certificates (lms.certificates). Signing key: a PKCS#12 file and its passphrase; the roots that
# verification trusts: a PEM file (one or more certificates). Without a key, a demo PKI is created
# under CERTIFICATE_DEMO_PKI_DIR (`manage.py make_demo_signing_key`), clearly labelled as a demo.
CERTIFICATE_SIGNING_P12 = env("CERTIFICATE_SIGNING_P12", "")
CERTIFICATE_SIGNING_PASSPHRASE = env("CERTIFICATE_SIGNING_PASSPHRASE", "")
CERTIFICATE_TRUST_ROOTS = env("CERTIFICATE_TRUST_ROOTS", "")
CERTIFICATE_ALLOW_DEMO_PKI = env_bool("CERTIFICATE_ALLOW_DEMO_PKI", True)
CERTIFICATE_DEMO_PKI_DIR = Path(env("CERTIFICATE_DEMO_PKI_DIR", PRIVATE_MEDIA_ROOT / "signing"))
CERTIFICATE_SERIAL_PREFIX = env("CERTIFICATE_SERIAL_PREFIX", "CCS")
# What the built-in template prints when no CertificateTemplate is marked default.
CERTIFICATE_ISSUER_NAME = env("CERTIFICATE_ISSUER_NAME", "CÔNG CHỨC SỐ")
CERTIFICATE_SIGNER_NAME = env("CERTIFICATE_SIGNER_NAME", "")
CERTIFICATE_SIGNER_TITLE = env("CERTIFICATE_SIGNER_TITLE", "")
# The sweeper issues for enrolments completed longer ago than this, so many at a time.
CERTIFICATE_SWEEP_GRACE = timedelta(seconds=int(env("CERTIFICATE_SWEEP_GRACE_SECONDS", 300)))
CERTIFICATE_SWEEP_BATCH = 500
# Holders are reminded this many days before their certificate expires (and may renew it from then).
CERTIFICATE_EXPIRY_REMINDER_DAYS = int(env("CERTIFICATE_EXPIRY_REMINDER_DAYS", 30))

# Training plans (lms.training): a relative due date is never earlier than this many days after the
# assignment; officials overdue by more than ESCALATE_AFTER days are in their unit's weekly digest.
TRAINING_MIN_NOTICE_DAYS = int(env("TRAINING_MIN_NOTICE_DAYS", 7))
TRAINING_ESCALATE_AFTER_DAYS = int(env("TRAINING_ESCALATE_AFTER_DAYS", 3))
# Officials per step of a plan's activation (each step commits and moves the progress bar).
TRAINING_ACTIVATION_CHUNK = int(env("TRAINING_ACTIVATION_CHUNK", 25000))
# Logging: every line with its time, level and logger, to the console (the process manager keeps it).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Wagtail logs every page edit and background task at INFO; keep them for real problems.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": env("WAGTAIL_LOG_LEVEL", "WARNING")},
        "axes": {"level": env("AXES_LOG_LEVEL", "WARNING")},  # failed logins and lockouts; not every success
    },
}

# ---------------------------------------------------------------------------------------------------
# Content-Security-Policy (django-csp 4, middleware lms.csp.SiteCSPMiddleware).
# The public site loads everything from itself: no inline script, no inline style, no eval, nothing
# from another site; scripts live in static/js/, styles in static/css/site.css. data: images only
# for the empty favicon (<link rel="icon" href="data:,"> keeps browsers from asking for /favicon.ico).
# The site cannot be framed, forms post only to it, and <base> and plugins are refused.
# ---------------------------------------------------------------------------------------------------
# Lesson videos are players embedded from the providers trainers use; a player is fetched only when
# the learner opens the video (templates/content/blocks/video.html). CSP_VIDEO_SOURCES: their origins.
VIDEO_FRAME_SOURCES = env_list(
    "CSP_VIDEO_SOURCES", "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "frame-src": ["'self'", *VIDEO_FRAME_SOURCES],
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Wagtail's admin (every path under PATH_PREFIX) replaces the directives named here, and only those
# (lms/csp.py). Measured with Wagtail 8.0 in Chromium (tests/browser/test_csp.py): its editor,
# explorer filters and choosers run inline <script>s (date widgets, InlinePanel) and its bundles
# insert <style> elements, so scripts and styles need 'unsafe-inline' there; no 'unsafe-eval',
# nothing in the admin needs it. The editor's live preview is a frame of the admin, and when the
# form cannot be previewed that frame holds an admin page ("Preview not available"), so the admin
# may be framed by itself. No other origin is allowed in any directive, here either.
CONTENT_SECURITY_POLICY_ADMIN = {
    "PATH_PREFIX": "/admin/",
    "DIRECTIVES": {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "frame-ancestors": ["'self'"],
    },
    # A preview is the page as the site serves it, under the site's policy, in a frame of the editor.
    "PREVIEW_DIRECTIVES": {"frame-ancestors": ["'self'"]},
}
# No avatars from gravatar.com in the admin (nothing is fetched from another site, and officials'
# e-mail hashes are not sent there): Wagtail shows its default avatar or an uploaded one.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
