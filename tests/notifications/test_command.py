"""``manage.py send_reminders [--today DD/MM/YYYY]`` and the daily task behind the beat entry."""

from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from lms.notifications import registry, services, tasks
from lms.notifications.models import Trigger
from tests.notifications.conftest import TODAY, TOPIC, official_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(no_sources, facts):
    """A source that records one reminder for the day it is run for."""
    user = official_user()
    facts.course(1, "Chữ ký số", due_date=TODAY)
    days = []

    def collect(day):
        days.append(day)
        return int(services.record(user.pk, TOPIC, 1, Trigger.DUE_TODAY, day))

    registry.register_source("thu-nghiem", collect)
    return days


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_the_day_it_is_given(source):
    output = run("--today", "10/03/2027")
    assert source == [TODAY]
    assert "10/03/2027" in output
    assert "thu-nghiem: 1" in output
    assert "E-mail" not in output and "đã gửi: 1" in output
    (message,) = mail.outbox
    assert "«Chữ ký số»" in message.body and "Hôm nay (10/03/2027)" in message.body

    again = run("--today", "10/03/2027")
    assert "thu-nghiem: 0" in again and "đã gửi: 0" in again
    assert len(mail.outbox) == 1


def test_a_bad_date_is_refused_in_vietnamese(source):
    for bad in ("31/02/2027", "2027/03/10x", "hôm nay"):
        with pytest.raises(CommandError) as refused:
            run("--today", bad)
        assert "không phải là ngày hợp lệ" in str(refused.value) and "dd/mm/yyyy" in str(refused.value)
    assert source == [] and mail.outbox == []


def test_without_a_day_it_runs_today(source, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    run()
    assert source == [TODAY]


def test_the_daily_task_runs_the_day_and_is_on_the_beat(source, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    assert tasks.run_reminders.delay().get() == {"day": "2027-03-10", "recorded": {"thu-nghiem": 1}, "sent": 1}
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "lms.notifications.tasks.run_reminders"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
    assert "send-certificate-expiry-reminders" not in settings.CELERY_BEAT_SCHEDULE
