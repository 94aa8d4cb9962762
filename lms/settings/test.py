import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env, storages

# One scratch directory per test session for files tests must never leave in the work tree:
# certificate PDFs (private storage) and the demo signing PKI. Processes the session starts (a
# Celery worker, xdist workers) inherit it through the environment and so sign with the same key;
# the process that made it removes it on exit.
if not os.environ.get("LMS_TEST_SCRATCH_DIR"):
    os.environ["LMS_TEST_SCRATCH_DIR"] = tempfile.mkdtemp(prefix="lms-test-")
    atexit.register(shutil.rmtree, os.environ["LMS_TEST_SCRATCH_DIR"], ignore_errors=True)
TEST_SCRATCH_DIR = Path(os.environ["LMS_TEST_SCRATCH_DIR"])

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = BASE_DIR / ".pytest-media"
PRIVATE_MEDIA_ROOT = TEST_SCRATCH_DIR / "private-media"
STORAGES = storages(PRIVATE_MEDIA_ROOT)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real Celery worker process can open the same test database.
    # TEST_SQLITE_NAME lets two test runs in one checkout keep apart.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME", str(BASE_DIR / ".pytest-db.sqlite3"))}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Signing material of the demo PKI, never a key from the environment.
CERTIFICATE_SIGNING_P12 = ""
CERTIFICATE_SIGNING_PASSPHRASE = ""
CERTIFICATE_TRUST_ROOTS = ""
CERTIFICATE_ALLOW_DEMO_PKI = True
CERTIFICATE_DEMO_PKI_DIR = TEST_SCRATCH_DIR / "signing"
