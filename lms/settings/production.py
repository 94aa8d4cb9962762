"""Production: PostgreSQL from DATABASE_URL, Redis broker from CELERY_BROKER_URL, HTTPS only.

Production never falls back on the embedded defaults (a SQLite file, tasks run eagerly in the web
process, a per-process cache that lets every worker count the login and verification throttles
on its own, links to http://127.0.0.1:8000): start-up refuses with ImproperlyConfigured, naming
every missing variable at once."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import PRIVATE_MEDIA_ROOT, SECRET_KEY, env, env_bool, storages

# What production cannot run without, and what each one is for (named in the refusal).
REQUIRED_ENVIRONMENT = {
    "DATABASE_URL": "the PostgreSQL database, e.g. postgres://user:password@host:5432/lms",
    "CELERY_BROKER_URL": "the Celery broker, e.g. redis://host:6379/0",
    "REDIS_CACHE_URL": "the cache every process shares, so throttles count across workers, e.g. redis://host:6379/1",
    "WAGTAILADMIN_BASE_URL": "the public address used in e-mails and certificate links, e.g. https://daotao.example.gov.vn",
}


def _configuration_problems():
    problems = []
    if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
        problems.append("DJANGO_SECRET_KEY (a random value of at least 50 characters)")
    for name, purpose in REQUIRED_ENVIRONMENT.items():
        if not (env(name) or "").strip():
            problems.append(f"{name} ({purpose})")
    base_url = (env("WAGTAILADMIN_BASE_URL") or "").strip()
    if base_url and (urlsplit(base_url).scheme not in {"http", "https"} or not urlsplit(base_url).netloc):
        problems.append(
            f"WAGTAILADMIN_BASE_URL (an absolute address such as https://daotao.example.gov.vn, not {base_url!r})"
        )
    return problems


if _problems := _configuration_problems():
    raise ImproperlyConfigured(
        "Production cannot start on the embedded defaults; set these environment variables: "
        + "; ".join(_problems)
        + "."
    )

DEBUG = False
# Tasks go to the workers, whatever CELERY_TASK_ALWAYS_EAGER says.
CELERY_TASK_ALWAYS_EAGER = False

STORAGES = storages(PRIVATE_MEDIA_ROOT, "whitenoise.storage.CompressedManifestStaticFilesStorage")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Certificates are signed with the key named by CERTIFICATE_SIGNING_P12; the demo PKI only on request.
CERTIFICATE_ALLOW_DEMO_PKI = env_bool("CERTIFICATE_ALLOW_DEMO_PKI", False)
