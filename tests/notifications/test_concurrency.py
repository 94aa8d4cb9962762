"""Two deliveries at once, on PostgreSQL: threads released together by a barrier, each with its own
connection. What is guarded: the day's ``DailyEmail`` row (inserted "on conflict do nothing" in
the transaction that sends), so exactly one e-mail goes out per person."""

import time

import pytest
from django.core import mail

from lms.notifications import services
from lms.notifications.models import DailyEmail, EmailStatus, Notification, Trigger
from tests.concurrency import run_together
from tests.notifications.conftest import TODAY, notify, official_user
from tests.support.db import ROW_LOCKS, postgres_only

pytestmark = [
    postgres_only(ROW_LOCKS),
    pytest.mark.django_db(transaction=True),
]

THREADS = 2


@pytest.fixture
def slow_mail(monkeypatch):
    """Each send takes a while, so that the second delivery arrives while the first holds its rows."""
    real_send = mail.EmailMessage.send

    def send(message, *args, **kwargs):
        time.sleep(0.5)
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", send)


def test_two_deliveries_at_once_send_one_email(facts, slow_mail):
    user = official_user()
    for number in range(3):
        notify(user, facts.course(number, f"Khóa {number}"), Trigger.OVERDUE)

    results, errors = run_together(THREADS, lambda _index, _prepared: services.deliver(TODAY), timeout=60)

    assert errors == [None] * THREADS
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert DailyEmail.objects.get(recipient=user).count == 3
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_two_runs_of_the_day_at_once_record_and_send_once(facts, slow_mail, no_sources):
    users = [official_user() for _ in range(3)]
    facts.course(1, "Chữ ký số")

    def collect(day):
        return services.record_many(services.Key(user.pk, "lesson-test", 1, Trigger.ASSIGNED, day) for user in users)

    services.registry.register_source("test", collect)
    results, errors = run_together(THREADS, lambda _index, _prepared: services.run_day(TODAY), timeout=60)

    assert errors == [None] * THREADS
    assert sum(result["recorded"]["test"] for result in results) == 3
    assert sum(result["sent"] for result in results) == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users)
