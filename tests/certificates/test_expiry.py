"""Certificates that expire: reminders before the date (a source of the notification ledger, sent
in the holder's daily e-mail), renewal by retaking the course, and the e-mail that brings the
holder a new certificate."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lms.certificates import expiry, notifications, services, tasks, verification
from lms.certificates.models import Certificate
from lms.certificates.signals import certificate_expiring
from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.notifications import services as ledger
from lms.notifications.models import EmailStatus, Notification, Trigger
from tests.certificates.conftest import HOLDER, completed_enrollment
from tests.factories import OfficialFactory, lessons_of, make_course
from tests.notifications.conftest import pending_locale, pending_translations  # noqa: F401 (the e-mail's Vietnamese)
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 10)


@pytest.fixture(autouse=True)
def reminder_window(settings):
    settings.CERTIFICATE_EXPIRY_REMINDER_DAYS = 30


def issued(course, expires_on, official=None, **fields):
    certificate = services.issue_for_enrollment(completed_enrollment(course, official, **fields).pk)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=expires_on, holder_notified_at=timezone.now())
    certificate.refresh_from_db()
    return certificate


def with_email(certificate, address="nhung@dongtam.example"):
    user = certificate.official.user
    user.email = address
    user.save()
    return certificate


@pytest.fixture
def expiring(course):
    return with_email(issued(course, TODAY + datetime.timedelta(days=20), full_name=HOLDER))


def test_reminders_are_due_inside_the_window_only(catalogue):
    def make(title, expires_on):
        return issued(make_course(catalogue, title, lessons=1), expires_on)

    due_soon = make("Chữ ký số", TODAY + datetime.timedelta(days=30))
    due_today = make("Một cửa điện tử", TODAY)
    make("Hộ tịch", TODAY + datetime.timedelta(days=31))  # outside the window
    make("Đất đai", TODAY - datetime.timedelta(days=1))  # already expired
    make("Thư điện tử", None)  # never expires
    revoked = make("Ngân sách", TODAY + datetime.timedelta(days=5))
    services.revoke(revoked, OfficialFactory().user, "Cấp nhầm")
    reminded = make("Văn bản", TODAY + datetime.timedelta(days=5))
    Certificate.objects.filter(pk=reminded.pk).update(expiry_reminded_at=timezone.now())

    assert list(expiry.reminder_due(TODAY)) == [due_today, due_soon]


def collect(day=TODAY):
    return notifications.collect_expiry_reminders(day)


def reminder_of(certificate):
    return Notification.objects.get(topic="certificate", object_id=certificate.pk)


def test_the_reminder_is_recorded_in_the_ledger_once_and_the_hook_is_announced(expiring):
    heard = []

    def listener(sender, certificate, days_left, **kwargs):
        heard.append((certificate.pk, days_left))

    certificate_expiring.connect(listener)
    try:
        assert collect() == 1
        assert collect() == 0  # a second run
        assert collect(TODAY + datetime.timedelta(days=1)) == 0  # and the next day's
    finally:
        certificate_expiring.disconnect(listener)

    assert heard == [(expiring.pk, 20)]
    reminder = reminder_of(expiring)
    assert reminder.recipient_id == expiring.official.user_id
    assert reminder.trigger == Trigger.CERTIFICATE_EXPIRY and reminder.cycle == expiring.cycle
    assert reminder.day == expiring.expires_on - datetime.timedelta(days=30)  # the nominal day
    expiring.refresh_from_db()
    assert expiring.expiry_reminded_at is not None
    assert mail.outbox == []  # the ledger's daily e-mail sends it


def test_the_holder_is_emailed_once_across_two_runs_and_two_days(expiring):
    assert ledger.run_day(TODAY)["sent"] == 1
    assert ledger.run_day(TODAY)["sent"] == 0
    tomorrow = ledger.run_day(TODAY + datetime.timedelta(days=1))
    assert tomorrow["recorded"]["certificate_expiry"] == 0 and tomorrow["sent"] == 0

    (message,) = mail.outbox
    assert message.to == ["nhung@dongtam.example"]
    assert "Kính gửi anh/chị Nguyễn Thị Hồng Nhung," in message.body
    assert f"«{expiring.course_title}»" in message.body and "còn 20 ngày" in message.body
    assert "http://testserver" + reverse("my_certificates:list") in message.body
    assert reminder_of(expiring).email_status == EmailStatus.SENT


def test_the_daily_run_reminds_everyone_due(settings, course, catalogue):
    first = with_email(issued(course, TODAY + datetime.timedelta(days=3)), "a@example.vn")
    second = with_email(issued(make_course(catalogue, "Khóa hai", lessons=1), TODAY), "b@example.vn")
    result = ledger.run_day(TODAY)
    assert result["recorded"]["certificate_expiry"] == 2 and result["sent"] == 2
    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.vn", "b@example.vn"]
    assert ledger.run_day(TODAY)["sent"] == 0
    assert Certificate.objects.filter(pk__in=[first.pk, second.pk], expiry_reminded_at__isnull=True).count() == 0
    assert settings.CELERY_BEAT_SCHEDULE["send-reminders"]["task"] == "lms.notifications.tasks.run_reminders"


def test_collecting_makes_the_same_queries_for_one_or_many(course, catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count, offset):
        for number in range(count):
            issued(make_course(catalogue, f"Khóa {offset + number}", lessons=1), TODAY + datetime.timedelta(days=2))
        with CaptureQueriesContext(connection) as queries:
            assert collect() == count
        return len(queries)

    assert queries_for(1, 0) == queries_for(4, 10)


def test_a_failed_send_leaves_the_reminder_pending_for_the_retry(expiring, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPException):
        ledger.run_day(TODAY)
    assert reminder_of(expiring).email_status == EmailStatus.PENDING
    monkeypatch.undo()
    assert ledger.run_day(TODAY)["sent"] == 1
    assert len(mail.outbox) == 1


def test_a_holder_without_an_address_is_marked_and_the_hook_still_runs(course):
    certificate = with_email(issued(course, TODAY + datetime.timedelta(days=2)), "")
    heard = []
    certificate_expiring.connect(receiver := lambda sender, certificate, **kw: heard.append(certificate.pk))
    try:
        assert ledger.run_day(TODAY)["sent"] == 0
    finally:
        certificate_expiring.disconnect(receiver)
    assert heard == [certificate.pk] and mail.outbox == []
    certificate.refresh_from_db()
    assert certificate.expiry_reminded_at is not None
    assert reminder_of(certificate).email_status == EmailStatus.NO_ADDRESS


def test_a_certificate_revoked_before_the_email_is_not_mentioned(expiring):
    collect()
    services.revoke(expiring, OfficialFactory().user, "Cấp nhầm")
    assert ledger.deliver(TODAY) == 0
    assert mail.outbox == []
    assert reminder_of(expiring).email_status == EmailStatus.OBSOLETE


# Renewal by the holder ---------------------------------------------------------------------


def test_my_certificates_offers_renewal_only_when_it_expires_soon(client, course, catalogue):
    official = OfficialFactory()
    today = timezone.localdate()
    later = issued(course, today + datetime.timedelta(days=200), official)
    soon = issued(make_course(catalogue, "Khóa sắp hết hạn", lessons=1), today + datetime.timedelta(days=10), official)
    client.force_login(official.user)
    page = client.get(reverse("my_certificates:list")).content.decode()
    assert reverse("my_certificates:recertify", args=[soon.pk]) in page
    assert reverse("my_certificates:recertify", args=[later.pk]) not in page
    assert "Học lại khóa học" in page


def test_renewal_before_the_window_is_refused_and_changes_nothing(client, course):
    certificate = issued(course, timezone.localdate() + datetime.timedelta(days=200))
    client.force_login(certificate.official.user)
    response = client.post(reverse("my_certificates:recertify", args=[certificate.pk]), follow=True)
    assert response.status_code == 200
    assert "chưa thể" in response.content.decode().lower()
    assert Enrollment.objects.get(pk=certificate.enrollment_id).cycle == 1


def test_renewing_an_expired_certificate_reopens_the_course_and_a_new_certificate_follows(
    client, official, course, django_capture_on_commit_callbacks
):
    enrollment = learning.enrol(official, course)
    for lesson in lessons_of(course):
        with django_capture_on_commit_callbacks(execute=True):
            learning.record_lesson_done(official, lesson)
    old = Certificate.objects.get()
    Certificate.objects.filter(pk=old.pk).update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(official.user)
    url = reverse("my_certificates:recertify", args=[old.pk])

    assert client.get(url).status_code == 405  # a state change is a POST
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:continue", args=[enrollment.pk])
    assert client.post(url).status_code == 302  # a second click: still one new cycle
    enrollment.refresh_from_db()
    assert enrollment.cycle == 2 and not enrollment.is_complete
    page = client.get(reverse("my_certificates:list")).content.decode()
    assert "Bạn đang học lại khóa học này" in page

    for lesson in lessons_of(course):
        with django_capture_on_commit_callbacks(execute=True):
            learning.record_lesson_done(official, lesson)
    old.refresh_from_db()
    new = Certificate.objects.get(is_current=True)
    assert new.cycle == 2 and new.serial != old.serial
    assert verification.certificate_status(old) == verification.Status.SUPERSEDED
    assert verification.certificate_status(new) == verification.Status.VALID


def test_nobody_renews_another_officials_certificate(client, course):
    certificate = issued(course, timezone.localdate())
    client.force_login(OfficialFactory().user)
    assert client.post(reverse("my_certificates:recertify", args=[certificate.pk])).status_code == 404
    assert Enrollment.objects.get(pk=certificate.enrollment_id).cycle == 1


def test_a_revoked_certificate_is_not_renewed(client, course):
    certificate = issued(course, timezone.localdate())
    services.revoke(certificate, OfficialFactory().user, "Gian lận khi kiểm tra")
    client.force_login(certificate.official.user)
    client.post(reverse("my_certificates:recertify", args=[certificate.pk]))
    assert Enrollment.objects.get(pk=certificate.enrollment_id).cycle == 1


def test_the_list_with_renewals_makes_the_same_queries_for_one_or_four(client, course, catalogue):
    official = OfficialFactory()
    today = timezone.localdate()
    issued(course, today)
    client.force_login(official.user)
    url = reverse("my_certificates:list")
    Certificate.objects.update(official=official)
    one = count_queries(client, url)
    for number in range(3):
        issued(make_course(catalogue, f"Khóa {number}", lessons=1), today + datetime.timedelta(days=number), official)
    assert count_queries(client, url) == one


# The "certificate issued" e-mail -------------------------------------------------------------


def test_the_holder_receives_the_signed_pdf_once(enrollment, django_capture_on_commit_callbacks):
    with_email(type("C", (), {"official": enrollment.official})())
    with django_capture_on_commit_callbacks(execute=True):
        certificate_id = tasks.issue_certificate.delay(enrollment.pk).get()
    certificate = Certificate.objects.get(pk=certificate_id)
    assert certificate.holder_notified_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert certificate.serial in message.body and "Nguyễn Thị Hồng Nhung" in message.body
    assert certificate.verification_code in message.body
    ((name, content, mimetype),) = message.attachments
    assert name == f"{certificate.serial}.pdf" and mimetype == "application/pdf"
    with certificate.pdf.open("rb") as handle:
        assert content == handle.read()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.issue_certificate.delay(enrollment.pk).get()  # a retry
    assert notifications.notify_issued(certificate.pk) is False
    assert len(mail.outbox) == 1


def test_the_services_queue_the_email_whoever_issues(enrollment, django_capture_on_commit_callbacks):
    with_email(type("C", (), {"official": enrollment.official})())
    with django_capture_on_commit_callbacks(execute=True) as queued:
        certificate = services.issue_for_enrollment(enrollment.pk)
    assert len(queued) == 1 and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert services.issue_for_enrollment(enrollment.pk) == certificate  # already issued: nothing sent
    assert queued == [] and len(mail.outbox) == 1


def test_the_sweeper_sends_the_emails_whose_task_was_lost(enrollment):
    with_email(type("C", (), {"official": enrollment.official})())
    certificate = services.issue_for_enrollment(enrollment.pk)
    assert tasks.send_pending_certificate_emails.delay().get() == 0  # too recent: its task may be queued
    Certificate.objects.filter(pk=certificate.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=30))
    assert tasks.send_pending_certificate_emails.delay().get() == 1
    assert len(mail.outbox) == 1
    assert tasks.send_pending_certificate_emails.delay().get() == 0


def test_a_reissue_sends_the_new_revision(enrollment, django_capture_on_commit_callbacks):
    with_email(type("C", (), {"official": enrollment.official})())
    certificate = services.issue_for_enrollment(enrollment.pk)
    Certificate.objects.filter(pk=certificate.pk).update(holder_notified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue(
            certificate, OfficialFactory().user, "Đính chính họ tên", holder_name="Nguyễn Thị Hồng Nhưng"
        )
    (message,) = mail.outbox
    assert "cấp lại" in message.body and "Nguyễn Thị Hồng Nhưng" in message.body
    assert message.attachments[0][0] == f"{new.serial}.pdf"
