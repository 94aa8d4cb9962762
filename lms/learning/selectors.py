"""Read functions for pages that show a learner's state. Each costs a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from lms.people.models import Official

from . import completion
from .models import Enrollment, LessonProgress


def official_for(user):
    """The Official behind a user, or None (anonymous, or an account without a profile)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.official
    except Official.DoesNotExist:
        return None


@dataclass
class CourseState:
    official: Official | None = None
    enrollment: Enrollment | None = None
    done_ids: set = field(default_factory=set)
    percent: int = 0
    next_lesson: object = None

    @property
    def is_enrolled(self):
        return self.enrollment is not None

    @property
    def is_complete(self):
        return self.enrollment is not None and self.enrollment.is_complete


def next_lesson(lessons, done_ids, last_lesson_id=None):
    """Where to continue: the first lesson not done after the last one touched, else the first not done."""
    after_last = False
    for lesson in lessons:
        if after_last and lesson.pk not in done_ids:
            return lesson
        after_last = after_last or lesson.pk == last_lesson_id
    return next((lesson for lesson in lessons if lesson.pk not in done_ids), None)


def learner_course_state(user, course, lessons):
    """The learner's state in ``course`` whose live lessons, in order, are ``lessons``."""
    official = official_for(user)
    state = CourseState(official=official)
    if official is None:
        return state
    state.enrollment = Enrollment.objects.filter(official=official, course=course).first()
    if state.enrollment is None:
        return state
    state.done_ids = set(LessonProgress.objects.filter(enrollment=state.enrollment).values_list("lesson_id", flat=True))
    required = completion.lessons_requirement([lesson.pk for lesson in lessons if lesson.is_required], state.done_ids)
    state.percent = 100 if state.enrollment.is_complete else completion.progress_percent([required])
    state.next_lesson = next_lesson(lessons, state.done_ids, state.enrollment.last_lesson_id)
    return state


@dataclass
class EnrollmentRow:
    enrollment: Enrollment
    percent: int
    due_soon: bool
    overdue: bool


@dataclass
class Dashboard:
    official: Official | None = None
    in_progress: list = field(default_factory=list)
    completed: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)


def learner_dashboard(user, limit=None):
    """ "My learning": in progress (most recent first), completed, and due within the next days."""
    official = official_for(user)
    dashboard = Dashboard(official=official)
    if official is None:
        return dashboard
    enrollments = list(
        Enrollment.objects.filter(official=official)
        .select_related("course")
        .order_by(F("last_activity_at").desc(nulls_last=True), "-enrolled_at")
    )
    statuses = completion.evaluate(e for e in enrollments if not e.is_complete)
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=settings.LEARNING_DUE_SOON_DAYS)
    for enrollment in enrollments:
        if enrollment.is_complete:
            dashboard.completed.append(EnrollmentRow(enrollment, 100, False, False))
            continue
        due = enrollment.due_date
        row = EnrollmentRow(
            enrollment,
            completion.progress_percent(statuses[enrollment.pk]),
            due_soon=due is not None and today <= due <= soon,
            overdue=due is not None and due < today,
        )
        dashboard.in_progress.append(row)
        if row.due_soon or row.overdue:
            dashboard.due_soon.append(row)
    dashboard.completed.sort(key=lambda row: row.enrollment.completed_at, reverse=True)
    dashboard.due_soon.sort(key=lambda row: row.enrollment.due_date)
    if limit:
        dashboard.in_progress = dashboard.in_progress[:limit]
        dashboard.completed = dashboard.completed[:limit]
    return dashboard


def course_badges(user, courses):
    """Map course id → "completed" or "in_progress" for the catalogue cards."""
    official = official_for(user)
    if official is None:
        return {}
    rows = Enrollment.objects.filter(official=official, course__in=[c.pk for c in courses]).values_list(
        "course_id", "completed_at"
    )
    return {course_id: "completed" if done else "in_progress" for course_id, done in rows}
