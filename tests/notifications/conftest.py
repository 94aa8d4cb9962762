"""What the notification tests share: a topic of their own, a recording mail backend, and the
translations of ``pending-notifications.po`` while it waits to be merged into ``django.po``."""

import datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from lms.notifications import registry, services
from lms.notifications.models import Trigger
from tests.factories import OfficialFactory

PENDING = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "pending-notifications.po"
TODAY = datetime.date(2027, 3, 10)
TOPIC = "lesson-test"  # nobody else's topic: tests describe it themselves


def compile_pending(folder):
    """``pending-notifications.po`` compiled under ``folder`` (a locale path); False if it is
    merged already (then ``django.po`` holds its translations)."""
    if not PENDING.exists():
        return False
    target = folder / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    polib.pofile(str(PENDING)).save_as_mofile(str(target / "django.mo"))
    return True


@pytest.fixture(scope="session")
def pending_locale(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pending-locale")
    return folder if compile_pending(folder) else None


@pytest.fixture(autouse=True)
def pending_translations(settings, pending_locale):
    """The pending catalogue ahead of the project's (changing LOCALE_PATHS resets Django's caches)."""
    if pending_locale is not None:
        settings.LOCALE_PATHS = [pending_locale, *settings.LOCALE_PATHS]


class Facts:
    """The facts of the test topic by object id; an id set to None is obsolete."""

    def __init__(self):
        self.by_id = {}
        self.calls = []

    def __call__(self, ids):
        self.calls.append(list(ids))
        return {pk: self.by_id.get(pk) for pk in ids if pk in self.by_id}

    def course(self, object_id, title, **facts):
        self.by_id[object_id] = {"course": title, "url": f"/hoc-tap/khoa/{object_id}/", **facts}
        return object_id


@pytest.fixture
def facts(monkeypatch):
    """The test topic, registered for this test only."""
    described = Facts()
    monkeypatch.setitem(registry._topics, TOPIC, described)
    return described


@pytest.fixture
def no_sources(monkeypatch):
    """No reminder source but the test's own (the apps' sources are tested with their apps)."""
    monkeypatch.setattr(registry, "_sources", {})
    return registry._sources


def notify(user, object_id, trigger=Trigger.ASSIGNED, day=TODAY, cycle=1):
    assert services.record(user.pk, TOPIC, object_id, trigger, day, cycle)
    return user.notifications.get(topic=TOPIC, object_id=object_id, trigger=trigger, day=day, cycle=cycle)


def official_user(**fields):
    return OfficialFactory(**fields).user


class CountingBackend(EmailBackend):
    """The test backend (``mail.outbox``) that also counts the connections opened."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


@pytest.fixture
def counting_mail(settings):
    settings.EMAIL_BACKEND = "tests.notifications.conftest.CountingBackend"
    CountingBackend.opened = 0
    mail.outbox = []
    return CountingBackend
