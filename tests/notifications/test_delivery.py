"""The daily e-mail: one per person per day, listing everything pending, never a message twice."""

import datetime
import re
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.notifications import services
from lms.notifications.models import DailyEmail, EmailStatus, Notification, Trigger
from tests.factories import UserFactory
from tests.notifications.conftest import TODAY, notify, official_user

pytestmark = pytest.mark.django_db

TOMORROW = TODAY + datetime.timedelta(days=1)
DUE = datetime.date(2027, 3, 24)


def three_for(user, facts):
    notify(user, facts.course(1, "Chữ ký số", plan="Bồi dưỡng 2027", reason="Công chức cấp xã", due_date=DUE))
    notify(user, facts.course(2, "Một cửa điện tử", due_date=DUE), Trigger.DUE_SOON)
    notify(user, facts.course(3, "Hộ tịch điện tử", due_date=TODAY - datetime.timedelta(days=5)), Trigger.OVERDUE)


def test_one_email_lists_all_three_items_grouped(facts, counting_mail):
    user = official_user(full_name="Trần Văn Bình")
    three_for(user, facts)

    assert services.deliver(TODAY) == 1

    (message,) = mail.outbox
    assert message.to == [user.email]
    body = message.body
    assert "Trần Văn Bình" in body
    for title in ("Chữ ký số", "Một cửa điện tử", "Hộ tịch điện tử"):
        assert f"«{title}»" in body
    assert body.index("Chữ ký số") < body.index("Một cửa điện tử") < body.index("Hộ tịch điện tử")
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    assert DailyEmail.objects.get(recipient=user, day=TODAY).count == 3
    assert counting_mail.opened == 1


def test_the_email_is_vietnamese_to_anh_chi_with_absolute_links(facts):
    user = official_user(full_name="Trần Văn Bình")
    three_for(user, facts)
    services.deliver(TODAY)
    (message,) = mail.outbox
    body, subject = message.body, message.subject
    assert "Kính gửi anh/chị Trần Văn Bình," in body
    assert "Anh/chị được giao khóa học «Chữ ký số» (Kế hoạch Bồi dưỡng 2027, lý do Công chức cấp xã)" in body
    assert "hạn hoàn thành 24/03/2027" in body
    assert "còn 14 ngày" in body
    assert "đã quá hạn 5 ngày" in body
    assert "thông báo" in subject.lower() and "10/03/2027" in subject
    assert not re.search(r"\bbạn\b", (subject + body).lower())
    assert "http://testserver/hoc-tap/khoa/1/" in body
    assert "http://testserver" + reverse("notifications:list") in body
    assert "&laquo;" not in body and "&amp;" not in body  # plain text, not HTML-escaped


def test_a_second_run_sends_nothing_new(facts):
    user = official_user()
    three_for(user, facts)
    assert services.deliver(TODAY) == 1
    assert services.deliver(TODAY) == 0
    assert services.deliver(TOMORROW) == 0
    assert len(mail.outbox) == 1


def test_what_comes_after_the_days_email_goes_out_tomorrow(facts):
    user = official_user()
    notify(user, facts.course(1, "Chữ ký số", due_date=DUE))
    assert services.deliver(TODAY) == 1
    late = notify(user, facts.course(2, "Văn bản điện tử", due_date=DUE))

    assert services.deliver(TODAY) == 0  # one e-mail per person per day
    late.refresh_from_db()
    assert late.email_status == EmailStatus.PENDING

    assert services.deliver(TOMORROW) == 1
    first, second = mail.outbox
    assert "Văn bản điện tử" not in first.body
    assert "Văn bản điện tử" in second.body and "Chữ ký số" not in second.body
    late.refresh_from_db()
    assert late.email_status == EmailStatus.SENT
    assert DailyEmail.objects.filter(recipient=user).count() == 2


def test_a_notification_whose_day_has_not_come_waits(facts):
    user = official_user()
    early = notify(user, facts.course(1, "Chữ ký số", due_date=DUE), Trigger.DUE_SOON, day=TOMORROW)
    assert services.deliver(TODAY) == 0
    early.refresh_from_db()
    assert early.email_status == EmailStatus.PENDING and not DailyEmail.objects.exists()
    assert services.deliver(TOMORROW) == 1


def test_nobody_without_an_address_or_inactive_is_written_to(facts):
    no_address = official_user(user__email="")
    inactive_user = official_user(user__is_active=False)
    inactive_official = official_user(is_active=False)
    reachable = official_user()
    for user in (no_address, inactive_user, inactive_official, reachable):
        notify(user, facts.course(1, "Chữ ký số", due_date=DUE))

    assert services.deliver(TODAY) == 1

    assert [message.to for message in mail.outbox] == [[reachable.email]]
    status = dict(Notification.objects.values_list("recipient_id", "email_status"))
    assert status == {
        no_address.pk: EmailStatus.NO_ADDRESS,
        inactive_user.pk: EmailStatus.INACTIVE,
        inactive_official.pk: EmailStatus.INACTIVE,
        reachable.pk: EmailStatus.SENT,
    }
    assert not DailyEmail.objects.exclude(recipient=reachable).exists()
    assert services.deliver(TOMORROW) == 0


def test_a_user_without_an_official_profile_is_written_to(facts):
    user = UserFactory(first_name="Lan", last_name="Phạm")
    notify(user, facts.course(1, "Chữ ký số"))
    assert services.deliver(TODAY) == 1
    assert "Kính gửi anh/chị Lan Phạm," in mail.outbox[0].body


def test_an_obsolete_notification_is_not_sent(facts):
    user, alone = official_user(), official_user()
    notify(user, facts.course(1, "Chữ ký số", due_date=DUE))
    done = notify(user, 2)  # completed meanwhile: its describe says None
    facts.by_id[2] = None
    gone = notify(alone, 3)  # its object is gone entirely: not described at all

    assert services.deliver(TODAY) == 1

    (message,) = mail.outbox
    assert message.to == [user.email] and "Chữ ký số" in message.body
    done.refresh_from_db()
    gone.refresh_from_db()
    assert done.email_status == gone.email_status == EmailStatus.OBSOLETE
    assert DailyEmail.objects.get(recipient=user).count == 1
    assert not DailyEmail.objects.filter(recipient=alone).exists()  # nothing was sent to them


def test_delivery_makes_the_same_queries_for_a_chunk_of_any_size(facts):
    def queries_for(count):
        users = [official_user() for _ in range(count)]
        for number, user in enumerate(users):
            notify(user, facts.course(number, f"Khóa {number}", due_date=DUE))
            notify(user, facts.course(100 + number, f"Khóa {100 + number}", due_date=DUE), Trigger.DUE_SOON)
        with CaptureQueriesContext(connection) as queries:
            assert services.deliver(TODAY) == count
        Notification.objects.all().delete()
        return len(queries)

    assert queries_for(2) == queries_for(12)
    assert len(facts.calls) == 2  # one describe per topic per chunk


def test_recipients_are_taken_in_chunks_with_one_connection_each(facts, counting_mail, monkeypatch):
    from lms.notifications import delivery

    monkeypatch.setattr(delivery, "CHUNK", 2)
    users = [official_user() for _ in range(5)]
    for number, user in enumerate(users):
        notify(user, facts.course(number, f"Khóa {number}"))
    assert services.deliver(TODAY) == 5
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users)
    assert counting_mail.opened == 3


def test_a_failed_send_keeps_the_rest_pending_for_the_retry(facts, monkeypatch):
    first, second = official_user(), official_user()
    notify(first, facts.course(1, "Chữ ký số"))
    notify(second, facts.course(2, "Hộ tịch"))
    real_send = mail.EmailMessage.send

    def send_once_then_fail(message, *args, **kwargs):
        if mail.outbox:
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", send_once_then_fail)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.deliver(TODAY)
    assert len(mail.outbox) == 1
    status = dict(Notification.objects.values_list("recipient_id", "email_status"))
    assert status == {first.pk: EmailStatus.SENT, second.pk: EmailStatus.PENDING}
    assert list(DailyEmail.objects.values_list("recipient_id", flat=True)) == [first.pk]

    monkeypatch.setattr(mail.EmailMessage, "send", real_send)
    assert services.deliver(TODAY) == 1  # the retry: the second only
    assert [message.to for message in mail.outbox] == [[first.email], [second.email]]


def test_run_day_collects_from_every_source_then_delivers(facts, no_sources):
    user = official_user()
    facts.course(1, "Chữ ký số", due_date=DUE)
    days = []

    def source(day):
        days.append(day)
        return int(services.record(user.pk, "lesson-test", 1, Trigger.DUE_SOON, day))

    services.registry.register_source("test", source)
    assert services.run_day(TODAY) == {"day": TODAY, "recorded": {"test": 1}, "sent": 1}
    assert services.run_day(TODAY) == {"day": TODAY, "recorded": {"test": 0}, "sent": 0}
    assert days == [TODAY, TODAY] and len(mail.outbox) == 1


def test_run_day_defaults_to_today_in_vietnam(no_sources, monkeypatch):
    from lms.notifications import services as module

    monkeypatch.setattr(module, "today", lambda: TODAY)
    assert services.run_day()["day"] == TODAY
