import datetime
import os
import re
import shutil
import subprocess
import sys

import pytest
from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation


class DateForm(forms.Form):
    day = forms.DateField()


def test_vietnamese_is_the_default_language_and_zone():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert ("en", "English") in settings.LANGUAGES


def test_dates_are_entered_and_shown_day_first():
    with translation.override("vi"):
        form = DateForm({"day": "05/03/2026"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == datetime.date(2026, 3, 5)
        assert formats.date_format(datetime.date(2026, 3, 5), "SHORT_DATE_FORMAT") == "05/03/2026"
        assert not DateForm({"day": "03/25/2026"}).is_valid()


def test_thousands_are_grouped_with_a_dot_and_weeks_start_on_monday():
    with translation.override("vi"):
        assert intcomma(1234567) == "1.234.567"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


def test_embedded_defaults_need_no_services():
    assert settings.DATABASES["default"]["ENGINE"] in {
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    }
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    out = _run_django(code, "lms.settings.dev", env)
    assert out.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_environment_selects_postgresql_and_redis():
    env = dict(
        os.environ,
        DATABASE_URL="postgres://u:p@db.example:5432/lms",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    )
    out = _run_django(code, "lms.settings.dev", env)
    assert out.split() == ["django.db.backends.postgresql", "False", "redis://127.0.0.1:6379/0"]


# What production needs besides its secret key (nothing here is contacted: settings only load).
PRODUCTION_SERVICES = {
    "DATABASE_URL": "postgres://lms:secret@db.minhson.internal:5432/lms",
    "CELERY_BROKER_URL": "redis://redis.minhson.internal:6379/0",
    "REDIS_CACHE_URL": "redis://redis.minhson.internal:6379/1",
    "WAGTAILADMIN_BASE_URL": "https://daotao.example.gov.vn",
}
PRODUCTION_SECRET = "k" * 20 + "-a-long-random-production-secret-0123456789-xyz"


def production_env(**overrides):
    """The environment of a production process: this one's, minus anything that configures the
    services (so the machine running the tests cannot fill a gap), plus ``overrides``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER", *PRODUCTION_SERVICES}
    }
    env.update(DJANGO_SETTINGS_MODULE="lms.settings.production", DJANGO_SECRET_KEY=PRODUCTION_SECRET)
    env.update(overrides)
    return env


def test_production_settings_pass_the_deploy_check():
    env = production_env(DJANGO_ALLOWED_HOSTS="hoc.minhson.gov.vn", **PRODUCTION_SERVICES)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_embedded_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env, cwd=settings.BASE_DIR
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _start_production(env):
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


@pytest.mark.parametrize("missing", sorted(PRODUCTION_SERVICES))
def test_production_refuses_to_start_without_each_service(missing):
    services = {k: v for k, v in PRODUCTION_SERVICES.items() if k != missing}
    result = _start_production(production_env(**services))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    named = [name for name in PRODUCTION_SERVICES if name in result.stderr]
    assert named == [missing], result.stderr


def test_production_names_every_missing_variable_at_once():
    result = _start_production(production_env())
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]  # one message, the exception's
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: ")
    for name in PRODUCTION_SERVICES:
        assert name in message


def test_production_refuses_a_relative_public_address():
    result = _start_production(production_env(**dict(PRODUCTION_SERVICES, WAGTAILADMIN_BASE_URL="daotao.gov.vn")))
    assert result.returncode != 0
    assert "WAGTAILADMIN_BASE_URL" in result.stderr


def test_production_with_its_services_runs_tasks_on_workers_and_shares_its_cache():
    env = production_env(CELERY_TASK_ALWAYS_EAGER="true", **PRODUCTION_SERVICES)  # eager is refused even if asked
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL,"
        " s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], s.WAGTAILADMIN_BASE_URL)"
    )
    out = _run_django(code, "lms.settings.production", env)
    assert out.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://redis.minhson.internal:6379/0",
        "django.core.cache.backends.redis.RedisCache",
        "redis://redis.minhson.internal:6379/1",
        "https://daotao.example.gov.vn",
    ]


def test_the_public_address_loses_a_trailing_slash():
    env = dict(os.environ, WAGTAILADMIN_BASE_URL="https://daotao.example.gov.vn/")
    out = _run_django("from django.conf import settings as s; print(s.WAGTAILADMIN_BASE_URL)", "lms.settings.dev", env)
    assert out == "https://daotao.example.gov.vn"


def test_the_demo_serves_and_links_on_the_same_address():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "demo", "HOST=192.0.2.7", "PORT=8765"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    seed = next(line for line in commands if "seed_demo" in line)
    serve = next(line for line in commands if "runserver" in line)
    assert "WAGTAILADMIN_BASE_URL=http://192.0.2.7:8765 " in seed
    assert "WAGTAILADMIN_BASE_URL=http://192.0.2.7:8765 " in serve and serve.endswith("runserver 192.0.2.7:8765")
    assert "8000" not in seed + serve


# E-mails link to the configured public address, never to the Host a request came with.


@pytest.mark.django_db
def test_the_password_reset_link_uses_the_public_address(client, settings):
    from tests.factories import OfficialFactory

    settings.WAGTAILADMIN_BASE_URL = "https://daotao.example.gov.vn"
    official = OfficialFactory()
    official.user.email = "lan@minhson.example"
    official.user.save()
    response = client.post(reverse("password_reset"), {"email": "lan@minhson.example"}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert re.search(r"https://daotao\.example\.gov\.vn/mat-khau/dat-lai/[^/\s]+/[^/\s]+/", message.body), message.body
    assert "127.0.0.1" not in message.body and "testserver" not in message.body


@pytest.mark.django_db
def test_the_completion_email_links_to_the_public_address(settings, course):
    from lms.learning import notifications
    from tests.certificates.conftest import completed_enrollment

    settings.WAGTAILADMIN_BASE_URL = "https://daotao.example.gov.vn"
    enrollment = completed_enrollment(course)
    enrollment.official.user.email = "lan@minhson.example"
    enrollment.official.user.save()
    assert notifications.notify_completed(enrollment.pk)
    (message,) = mail.outbox
    assert "https://daotao.example.gov.vn" + reverse("learning:my_learning") in message.body
    assert "testserver" not in message.body


def test_the_certificate_link_uses_the_public_address(settings):
    from lms.certificates import rendering
    from lms.certificates.models import Certificate

    settings.WAGTAILADMIN_BASE_URL = "https://daotao.example.gov.vn"
    url = rendering.verify_url(Certificate(verification_code="ma-xac-thuc"))
    assert url == "https://daotao.example.gov.vn" + reverse("certificates:verify", args=["ma-xac-thuc"])


def _run_django(code, settings_module, env):
    env = dict(env, DJANGO_SETTINGS_MODULE=settings_module)
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_client_ip_trusts_only_the_configured_proxies(rf, settings):
    from lms.core.client_ip import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: do not trust the header
    assert client_ip(request) == "10.0.0.1"
