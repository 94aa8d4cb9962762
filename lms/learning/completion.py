"""The completion rule of a course: a list of requirements that must all be satisfied.

Each requirement evaluates many enrolments in a fixed number of queries, so pages and reports
stay flat as data grows. A course asks for its required lessons and its required quizzes
(usually the final test); classes join later as a further entry of REQUIREMENTS.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cycles import in_current_cycle


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    done: int
    total: int

    @property
    def satisfied(self):
        return self.done >= self.total


def lessons_requirement(required_ids, done_ids):
    """The required-lessons requirement from ids already in hand."""
    required = set(required_ids)
    return Requirement("lessons", _("Required lessons"), len(required & set(done_ids)), len(required))


def required_children(page_model, enrollments):
    """Map course id → ids of its live child pages of ``page_model`` marked as required (one query)."""
    courses = {e.course_id: e.course for e in enrollments if e.course_id}
    required = {course_id: set() for course_id in courses}
    if courses:
        prefix_to_course = {course.path: course_id for course_id, course in courses.items()}
        pages = (
            page_model.objects.live()
            .filter(is_required=True)
            .filter(reduce(or_, (Q(path__startswith=path) for path in prefix_to_course)))
            .values_list("pk", "path")
        )
        for pk, path in pages:
            course_id = prefix_to_course.get(path[: -page_model.steplen])
            if course_id is not None:
                required[course_id].add(pk)
    return required


class RequiredLessons:
    """Every live lesson of the course marked as required has been marked done."""

    def evaluate_many(self, enrollments):
        from content.models import LessonPage

        from .models import LessonProgress

        required = required_children(LessonPage, enrollments)
        done = {e.pk: set() for e in enrollments}
        rows = LessonProgress.objects.filter(
            in_current_cycle("completed_at"), enrollment__in=[e.pk for e in enrollments]
        ).values_list("enrollment_id", "lesson_id")
        for enrollment_id, lesson_id in rows:
            done[enrollment_id].add(lesson_id)
        return {e.pk: lessons_requirement(required.get(e.course_id, ()), done[e.pk]) for e in enrollments}


def quizzes_requirement(required_ids, passed_ids):
    required = set(required_ids)
    return Requirement("quizzes", _("Required tests passed"), len(required & set(passed_ids)), len(required))


class RequiredQuizzes:
    """Every live quiz of the course marked as required (the final test, usually) has been passed."""

    def evaluate_many(self, enrollments):
        from content.models import QuizPage

        from .models import QuizAttempt

        required = required_children(QuizPage, enrollments)
        passed = {e.pk: set() for e in enrollments}
        rows = QuizAttempt.objects.filter(
            in_current_cycle("submitted_at"), enrollment__in=[e.pk for e in enrollments], passed=True
        ).values_list("enrollment_id", "quiz_id")
        for enrollment_id, quiz_id in rows:
            passed[enrollment_id].add(quiz_id)
        return {e.pk: quizzes_requirement(required.get(e.course_id, ()), passed[e.pk]) for e in enrollments}


REQUIREMENTS = [RequiredLessons(), RequiredQuizzes()]


def evaluate(enrollments):
    """Map enrolment id → list of requirements, for any number of enrolments."""
    enrollments = list(enrollments)
    result = {e.pk: [] for e in enrollments}
    for requirement in REQUIREMENTS:
        for enrollment_id, status in requirement.evaluate_many(enrollments).items():
            result[enrollment_id].append(status)
    return result


def is_satisfied(requirements):
    """A course completes when it asks for something and everything it asks for is done."""
    return sum(r.total for r in requirements) > 0 and all(r.satisfied for r in requirements)


def progress_percent(requirements):
    total = sum(r.total for r in requirements)
    if not total:
        return 0
    return round(100 * sum(min(r.done, r.total) for r in requirements) / total)
