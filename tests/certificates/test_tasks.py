"""How certificates come to be: completing a course, the task, and the sweeper behind it."""

import datetime
import logging

import pytest
from django.utils import timezone

from lms.certificates import tasks, verification
from lms.certificates.models import Certificate
from lms.learning import services as learning
from tests.certificates.conftest import completed_enrollment
from tests.factories import lessons_of

pytestmark = pytest.mark.django_db


def test_completing_a_course_through_learning_issues_exactly_one_certificate(
    official, course, django_capture_on_commit_callbacks
):
    learning.enrol(official, course)
    lessons = lessons_of(course)
    for lesson in lessons[:-1]:
        with django_capture_on_commit_callbacks(execute=True):
            learning.record_lesson_done(official, lesson)
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = learning.record_lesson_done(official, lessons[-1])
        assert not Certificate.objects.exists()  # nothing before the commit
    assert result.newly_completed

    certificate = Certificate.objects.get()
    assert certificate.enrollment == result.enrollment
    assert certificate.is_current and certificate.holder_name == official.full_name
    assert len(callbacks) == 3  # the congratulation e-mail, the certificate, then its e-mail

    with django_capture_on_commit_callbacks(execute=True):
        learning.record_lesson_done(official, lessons[-1])  # done again: not completed again
    assert Certificate.objects.count() == 1


def test_a_recertification_issues_a_new_certificate_and_supersedes_the_old_one(
    official, course, django_capture_on_commit_callbacks
):
    def finish():
        for lesson in lessons_of(course):
            with django_capture_on_commit_callbacks(execute=True):
                learning.record_lesson_done(official, lesson)

    enrollment = learning.enrol(official, course)
    finish()
    first = Certificate.objects.get()
    learning.start_new_cycle(enrollment)
    assert tasks.issue_certificate.delay(enrollment.pk).get() is None  # reopened: nothing to issue yet

    finish()

    first.refresh_from_db()
    second = Certificate.objects.get(is_current=True)
    assert (first.cycle, second.cycle) == (1, 2)
    assert second.serial != first.serial and second.revision == 1
    assert not first.is_current and first.superseded_at is not None
    assert verification.certificate_status(first) == verification.Status.SUPERSEDED
    assert verification.certificate_status(second) == verification.Status.VALID
    assert tasks.issue_certificate.delay(enrollment.pk).get() == second.pk
    assert Certificate.objects.count() == 2


def test_the_sweeper_catches_a_recertification_whose_task_was_lost(course):
    enrollment = completed_enrollment(course, completed_at=timezone.now() - datetime.timedelta(days=400))
    first = Certificate.objects.get(pk=tasks.issue_certificate.delay(enrollment.pk).get())
    enrollment.cycle = 2
    enrollment.cycle_started_at = timezone.now() - datetime.timedelta(days=2)
    enrollment.completed_at = timezone.now() - datetime.timedelta(days=1)
    enrollment.save()

    assert tasks.issue_missing_certificates.delay().get() == 1

    current = Certificate.objects.get(is_current=True)
    assert current.cycle == 2 and current.pk != first.pk


def test_the_task_is_idempotent_under_retries(course):
    enrollment = completed_enrollment(course)

    first = tasks.issue_certificate.delay(enrollment.pk).get()
    second = tasks.issue_certificate.delay(enrollment.pk).get()

    assert first == second == Certificate.objects.get().pk


def test_the_task_skips_an_enrolment_that_is_not_complete(course, caplog):
    enrollment = completed_enrollment(course)
    enrollment.completed_at = None
    enrollment.save()

    with caplog.at_level(logging.WARNING, logger="lms.certificates.tasks"):
        assert tasks.issue_certificate.delay(enrollment.pk).get() is None
    assert not Certificate.objects.exists()
    assert f"No certificate for enrolment {enrollment.pk}" in caplog.text


def test_an_eager_failure_is_logged_not_raised(course, settings, caplog):
    settings.CERTIFICATE_ALLOW_DEMO_PKI = False  # nothing to sign with
    enrollment = completed_enrollment(course)

    with caplog.at_level(logging.ERROR, logger="lms.certificates.tasks"):
        assert tasks.issue_certificate.delay(enrollment.pk).get() is None
    assert "the sweeper will retry" in caplog.text
    assert not Certificate.objects.exists()


def test_the_sweeper_issues_for_completed_enrolments_without_a_certificate(catalogue):
    now = timezone.now()
    lost = completed_enrollment(catalogue_course(catalogue, 1), completed_at=now - datetime.timedelta(hours=2))
    recent = completed_enrollment(catalogue_course(catalogue, 2), completed_at=now - datetime.timedelta(seconds=30))
    done = completed_enrollment(catalogue_course(catalogue, 3), completed_at=now - datetime.timedelta(hours=3))
    tasks.issue_certificate.delay(done.pk)
    in_progress = completed_enrollment(catalogue_course(catalogue, 4))
    in_progress.completed_at = None
    in_progress.save()

    assert tasks.issue_missing_certificates.delay().get() == 1

    assert set(Certificate.objects.values_list("enrollment_id", flat=True)) == {lost.pk, done.pk}
    assert not Certificate.objects.filter(enrollment=recent).exists()  # its own task is still on its way
    assert tasks.issue_missing_certificates.delay().get() == 0


def test_the_sweeper_works_in_batches(catalogue, settings):
    settings.CERTIFICATE_SWEEP_BATCH = 2
    for number in range(3):
        completed_enrollment(catalogue_course(catalogue, number))

    assert tasks.issue_missing_certificates.delay().get() == 2
    assert tasks.issue_missing_certificates.delay().get() == 1
    assert Certificate.objects.count() == 3


def test_the_sweeper_is_scheduled(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "lms.certificates.tasks.issue_missing_certificates" in schedule


def catalogue_course(catalogue, number):
    from tests.factories import make_course

    return make_course(catalogue, f"Khóa học số {number}", lessons=1)
