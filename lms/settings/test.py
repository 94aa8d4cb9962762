from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = BASE_DIR / ".pytest-media"
PRIVATE_MEDIA_ROOT = BASE_DIR / ".pytest-private-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real Celery worker process can open the same test database.
    # TEST_SQLITE_NAME lets two test runs in one checkout keep apart.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME", str(BASE_DIR / ".pytest-db.sqlite3"))}
WAGTAILADMIN_BASE_URL = "http://testserver"
