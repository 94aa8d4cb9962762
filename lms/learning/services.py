"""Domain operations on training records: enrol, record progress, complete."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.celery import enqueue_on_commit
from lms.people.models import Official

from . import completion, signals
from .models import Enrollment, LessonProgress
from .tasks import send_completion_email

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from content.models import CoursePage, LessonPage


class LearningError(Exception):
    """A refusal the learner should read; the message is translated."""


def enrol(
    official: Official,
    course: "CoursePage",
    *,
    source: str = Enrollment.Source.SELF,
    assigned_by: "User | None" = None,
    due_date: datetime.date | None = None,
) -> Enrollment:
    """Enrol ``official`` in ``course``; enrolling twice returns the existing enrolment."""
    if not official.is_active:
        raise LearningError(_("Your account is inactive; please contact your unit's HR officer."))
    if not course.live:
        raise LearningError(_("This course is not open for enrolment."))
    existing = Enrollment.objects.filter(official=official, course=course).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                official=official,
                unit_id=official.unit_id,
                course=course,
                course_title=course.title,
                source=source,
                assigned_by=assigned_by,
                due_date=due_date,
            )
            _announce(enrollment, None)
            return enrollment
    except IntegrityError:  # a concurrent request enrolled first
        return Enrollment.objects.get(official=official, course=course)


@dataclass
class LessonResult:
    enrollment: Enrollment
    newly_completed: bool


def record_lesson_done(official: Official, lesson: "LessonPage") -> LessonResult:
    """Mark ``lesson`` done for ``official``; completes the course when its rule holds."""
    if not lesson.live:
        raise LearningError(_("This lesson is not published."))
    course = lesson.get_parent().specific
    with transaction.atomic():
        # The row lock serialises two tabs finishing the last lessons at the same moment.
        enrollment = (
            Enrollment.objects.select_for_update(of=("self",))  # not the course page all learners share
            .select_related("course")
            .filter(official=official, course=course)
            .first()
        )
        if enrollment is None:
            raise LearningError(_("Please enrol in the course before marking lessons as done."))
        progress, created = LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=lesson, defaults={"lesson_title": lesson.title}
        )
        if not created and not enrollment.in_cycle(progress.completed_at):
            # Done in an earlier cycle: done again now, for the recertification.
            LessonProgress.objects.filter(pk=progress.pk).update(completed_at=timezone.now())
        enrollment.last_lesson = lesson
        record_activity(enrollment, extra_fields=["last_lesson"])
        newly_completed = complete_if_satisfied(enrollment)
    return LessonResult(enrollment, newly_completed)


def record_activity(
    enrollment: Enrollment, now: datetime.datetime | None = None, extra_fields: Iterable[str] = ()
) -> None:
    """Note that the official worked on ``enrollment`` (a lesson, a quiz started or handed in): the
    first activity of a cycle moves it from not started to in progress. The caller holds its lock."""
    before = signals.EnrollmentState.of(enrollment)
    enrollment.last_activity_at = now or timezone.now()
    enrollment.save(update_fields=[*extra_fields, "last_activity_at"])
    _announce(enrollment, before)


def complete_if_satisfied(enrollment: Enrollment) -> bool:
    """Complete the enrolment if its course's rule now holds; the caller holds its row lock.
    Returns whether it was completed just now."""
    if enrollment.is_complete or not completion.is_satisfied(completion.evaluate([enrollment])[enrollment.pk]):
        return False
    complete(enrollment)
    return True


def complete(enrollment: Enrollment) -> None:
    """Mark the enrolment complete and, once committed, tell the official."""
    before = signals.EnrollmentState.of(enrollment)
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["completed_at"])
    _announce(enrollment, before)
    enqueue_on_commit(send_completion_email, enrollment.pk)
    signals.enrollment_completed.send(sender=Enrollment, enrollment=enrollment)


def start_new_cycle(enrollment: Enrollment) -> Enrollment:
    """Reopen a completed enrolment for recertification: from now on, the course's requirements
    must be met again. Earlier progress, attempts and certificates stay on record."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("course").get(pk=enrollment.pk)
        if not enrollment.is_complete:
            return enrollment  # already reopened (a double click): nothing to do
        before = signals.EnrollmentState.of(enrollment)
        enrollment.completed_at = None
        enrollment.completion_notified_at = None
        enrollment.cycle += 1
        enrollment.cycle_started_at = timezone.now()
        enrollment.last_lesson = None
        enrollment.last_activity_at = enrollment.cycle_started_at
        enrollment.save(
            update_fields=[
                "completed_at",
                "completion_notified_at",
                "cycle",
                "cycle_started_at",
                "last_lesson",
                "last_activity_at",
            ]
        )
        _announce(enrollment, before)
    return enrollment


def change_due_date(enrollment: Enrollment, due_date: datetime.date | None) -> Enrollment:
    """Set (or clear, with None) the date by which the course must be completed."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
        if enrollment.due_date == due_date:
            return enrollment
        before = signals.EnrollmentState.of(enrollment)
        enrollment.due_date = due_date
        enrollment.save(update_fields=["due_date"])
        _announce(enrollment, before)
    return enrollment


def _announce(enrollment: Enrollment, before: signals.EnrollmentState | None) -> None:
    """Tell listeners (the report tallies), inside this transaction, that a counted field may have changed."""
    signals.enrollment_changed.send(sender=Enrollment, enrollment=enrollment, before=before)
