"""The congratulation on completing a course is sent once: the enrolment row is locked, the
marker checked, the message sent and the marker set in one transaction
(``lms.learning.notifications.notify_completed``), as the certificate e-mails do."""

import smtplib
import time

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from lms.learning import notifications, tasks
from lms.learning.models import Enrollment
from tests.certificates.conftest import completed_enrollment
from tests.concurrency import run_together
from tests.support.db import ROW_LOCKS, postgres_only

real_send = EmailMessage.send


@pytest.fixture
def enrollment(course):
    enrollment = completed_enrollment(course, full_name="Lò Thị Hạnh")
    enrollment.official.user.email = "hanh@minhson.example"
    enrollment.official.user.save()
    return enrollment


def marker(enrollment):
    return Enrollment.objects.values_list("completion_notified_at", flat=True).get(pk=enrollment.pk)


def test_the_email_is_sent_once_and_the_enrolment_marked(enrollment):
    assert notifications.notify_completed(enrollment.pk) is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanh@minhson.example"] and "Lò Thị Hạnh" in mail.outbox[0].body
    assert marker(enrollment) is not None

    assert notifications.notify_completed(enrollment.pk) is False  # a second delivery of the task
    assert len(mail.outbox) == 1


def test_a_failed_send_leaves_the_marker_unset_so_a_retry_sends_it(enrollment, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(smtplib.SMTPException):
        notifications.notify_completed(enrollment.pk)
    assert marker(enrollment) is None and mail.outbox == []

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert notifications.notify_completed(enrollment.pk) is True  # the task's retry
    assert len(mail.outbox) == 1 and marker(enrollment) is not None


def test_the_task_is_a_wrapper_around_the_service(enrollment):
    assert tasks.send_completion_email.delay(enrollment.pk).get() is True
    assert tasks.send_completion_email.delay(enrollment.pk).get() is False
    assert len(mail.outbox) == 1


def test_an_official_without_an_address_is_marked_and_nothing_is_sent(enrollment):
    enrollment.official.user.email = ""
    enrollment.official.user.save()
    assert notifications.notify_completed(enrollment.pk) is False
    assert mail.outbox == [] and marker(enrollment) is not None


def test_an_open_enrolment_gets_no_congratulation(enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=None)
    assert notifications.notify_completed(enrollment.pk) is False
    assert mail.outbox == [] and marker(enrollment) is None


@postgres_only(ROW_LOCKS)
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_one_email(enrollment, monkeypatch):
    def slow_send(message, *args, **kwargs):
        time.sleep(0.5)  # a slow mail server: without the lock, the other delivery sends too
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", slow_send)

    results, errors = run_together(2, lambda _index, _prepared: notifications.notify_completed(enrollment.pk))

    assert errors == [None, None]
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert marker(enrollment) is not None
