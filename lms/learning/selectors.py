"""Read functions for pages that show a learner's state. Each costs a fixed number of queries."""

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from lms.core import dates
from lms.people.models import Official

from . import completion, hooks
from .cycles import in_current_cycle
from .models import Enrollment, LessonProgress, QuizAttempt

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from content.models import CoursePage, LessonPage, QuizPage


def official_for(user: "User | AnonymousUser | None") -> Official | None:
    """The Official behind a user, or None (anonymous, or an account without a profile)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return cast("User", user).official  # authenticated: a user account
    except Official.DoesNotExist:
        return None


@dataclass
class CourseState:
    official: Official | None = None
    enrollment: Enrollment | None = None
    done_ids: set[int] = field(default_factory=set)
    percent: int = 0
    next_lesson: "LessonPage | None" = None
    passed_quiz_ids: set[int] = field(default_factory=set)
    next_quiz: "QuizPage | None" = None  # the first required quiz not yet passed, once no lesson is left

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None

    @property
    def is_complete(self) -> bool:
        return self.enrollment is not None and self.enrollment.is_complete


def next_lesson(
    lessons: Sequence["LessonPage"], done_ids: set[int], last_lesson_id: int | None = None
) -> "LessonPage | None":
    """Where to continue: the first lesson not done after the last one touched, else the first not done."""
    after_last = False
    for lesson in lessons:
        if after_last and lesson.pk not in done_ids:
            return lesson
        after_last = after_last or lesson.pk == last_lesson_id
    return next((lesson for lesson in lessons if lesson.pk not in done_ids), None)


def learner_course_state(
    user: "User | AnonymousUser | None",
    course: "CoursePage",
    lessons: Sequence["LessonPage"],
    quizzes: Iterable["QuizPage"] = (),
) -> CourseState:
    """The learner's state in ``course`` whose live lessons and quizzes, in order, are given."""
    official = official_for(user)
    state = CourseState(official=official)
    if official is None:
        return state
    state.enrollment = Enrollment.objects.filter(official=official, course=course).first()
    if state.enrollment is None:
        return state
    state.done_ids = set(
        LessonProgress.objects.filter(in_current_cycle("completed_at"), enrollment=state.enrollment).values_list(
            "lesson_id", flat=True
        )
    )
    state.passed_quiz_ids = set(
        QuizAttempt.objects.filter(
            in_current_cycle("submitted_at"), enrollment=state.enrollment, passed=True
        ).values_list("quiz_id", flat=True)
    )
    requirements = [
        completion.lessons_requirement([lesson.pk for lesson in lessons if lesson.is_required], state.done_ids),
        completion.quizzes_requirement([quiz.pk for quiz in quizzes if quiz.is_required], state.passed_quiz_ids),
    ]
    state.percent = 100 if state.enrollment.is_complete else completion.progress_percent(requirements)
    state.next_lesson = next_lesson(lessons, state.done_ids, state.enrollment.last_lesson_id)
    if state.next_lesson is None and not state.enrollment.is_complete:
        state.next_quiz = next(
            (quiz for quiz in quizzes if quiz.is_required and quiz.pk not in state.passed_quiz_ids), None
        )
    return state


@dataclass(frozen=True)
class YearHours:
    """The hours (số tiết) of the courses completed in one year, by local time of completion."""

    year: int
    hours: int
    courses: int  # completed enrolments, counted with 0 hours when the course was deleted


def completed_hours(enrollment: Enrollment) -> int:
    """The hours a completed enrolment counts for: its course's ``hours``; 0 while it is open or
    once its course was deleted. Reads ``enrollment.course``: fetch the rows with
    ``select_related("course")``, or every row costs a query."""
    if not enrollment.is_complete or enrollment.course_id is None:
        return 0
    return cast("CoursePage", enrollment.course).hours


def hours_per_year(enrollments: Iterable[Enrollment]) -> list[YearHours]:
    """The hours completed per year, newest year first: the sum of ``course.hours`` of the completed
    ``enrollments`` by the year of ``completed_at`` in the site's time zone (Asia/Ho_Chi_Minh), so
    a course completed at 06:30 on 1 January in Vietnam counts in the new year although it is still
    31 December in UTC. No query of its own, from rows fetched with ``select_related("course")``."""
    hours: Counter[int] = Counter()
    courses: Counter[int] = Counter()
    for enrollment in enrollments:
        if enrollment.completed_at is None:
            continue
        year = dates.local(enrollment.completed_at).year
        hours[year] += completed_hours(enrollment)
        courses[year] += 1
    return [YearHours(year, hours[year], courses[year]) for year in sorted(courses, reverse=True)]


@dataclass
class EnrollmentRow:
    enrollment: Enrollment
    percent: int
    due_soon: bool
    overdue: bool
    # Why the course is assigned (``hooks.enrollment_notes``, each with ``overdue``); only when asked.
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def hours(self) -> int:
        """What the row counts for in the hours per year (0 while open)."""
        return completed_hours(self.enrollment)


@dataclass
class Dashboard:
    official: Official | None = None
    in_progress: list[EnrollmentRow] = field(default_factory=list)
    completed: list[EnrollmentRow] = field(default_factory=list)
    due_soon: list[EnrollmentRow] = field(default_factory=list)
    hours_per_year: list[YearHours] = field(default_factory=list)  # of every completed enrolment


def learner_dashboard(
    user: "User | AnonymousUser | None", limit: int | None = None, with_notes: bool = False
) -> Dashboard:
    """ "My learning": in progress (most recent first), completed, due within the next days, and the
    hours completed per year (of every completed enrolment, whatever ``limit``). ``with_notes``:
    each row also says why the course is assigned (``hooks.enrollment_notes``: one call, for the
    assigned enrolments only, since only those have obligations)."""
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
    dashboard.hours_per_year = hours_per_year(enrollments)
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
    # Completed rows have a completion time; rows due soon or overdue have a due date.
    dashboard.completed.sort(key=lambda row: cast(datetime.datetime, row.enrollment.completed_at), reverse=True)
    dashboard.due_soon.sort(key=lambda row: cast(datetime.date, row.enrollment.due_date))
    if with_notes:
        _add_notes(dashboard.in_progress + dashboard.completed, today)
    if limit:
        dashboard.in_progress = dashboard.in_progress[:limit]
        dashboard.completed = dashboard.completed[:limit]
    return dashboard


def _add_notes(rows: list[EnrollmentRow], today: datetime.date) -> None:
    assigned = [row for row in rows if row.enrollment.source == Enrollment.Source.ASSIGNMENT]
    notes = hooks.enrollment_notes(row.enrollment.pk for row in assigned)
    for row in assigned:
        row.notes = [
            {**note, "overdue": not row.enrollment.is_complete and note["due_date"] < today}
            for note in notes.get(row.enrollment.pk, [])
        ]


def course_badges(user: "User | AnonymousUser | None", courses: Iterable["CoursePage"]) -> dict[int, str]:
    """Map course id → "completed" or "in_progress" for the catalogue cards."""
    official = official_for(user)
    if official is None:
        return {}
    rows = Enrollment.objects.filter(official=official, course__in=[c.pk for c in courses]).values_list(
        "course_id", "completed_at"
    )
    return {course_id: "completed" if done else "in_progress" for course_id, done in rows}


@dataclass
class QuizState:
    official: Official | None = None
    enrollment: Enrollment | None = None
    attempts: list[QuizAttempt] = field(default_factory=list)  # submitted, oldest first
    open_attempt: QuizAttempt | None = None
    next_start_at: datetime.datetime | None = None
    attempts_left: int | None = None  # None: no limit

    @property
    def best_score(self) -> Decimal | None:
        return max((cast(Decimal, a.score) for a in self.attempts), default=None)  # graded: scored

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)

    @property
    def can_start(self) -> bool:
        waiting = self.next_start_at is not None and timezone.now() < self.next_start_at
        return self.enrollment is not None and self.attempts_left != 0 and not waiting


def learner_quiz_state(user: "User | AnonymousUser | None", quiz: "QuizPage") -> QuizState:
    """The learner's attempts at ``quiz`` and whether they may start one, in two queries."""
    from .assessment import next_start_at

    official = official_for(user)
    state = QuizState(official=official)
    if official is None:
        return state
    state.enrollment = Enrollment.objects.filter(official=official, course_id=quiz.get_parent().pk).first()
    if state.enrollment is None:
        return state
    attempts = [  # of the current cycle: a recertification starts with a clean slate
        attempt
        for attempt in QuizAttempt.objects.filter(enrollment=state.enrollment, quiz=quiz)
        .defer("paper", "answers")
        .order_by("number")
        if state.enrollment.in_cycle(attempt.started_at)
    ]
    state.attempts = [a for a in attempts if not a.is_open]
    state.open_attempt = next((a for a in attempts if a.is_open), None)
    state.next_start_at = next_start_at(quiz, state.attempts)
    if quiz.max_attempts:
        state.attempts_left = max(0, quiz.max_attempts - len(attempts))
    return state


@dataclass
class PaperItem:
    position: int
    kind: str
    prompt: str
    image: Any  # a Wagtail image, or None
    image_alt: str
    options: list[dict[str, Any]]  # dicts: id, text, chosen, rank; after grading with review: correct, correct_rank
    credit: Decimal | None = None
    explanation: str = ""

    @property
    def field_name(self) -> str:
        return f"q{self.position}"


def shows_answers(attempt: QuizAttempt, review: str) -> bool:
    """Whether the review of a graded attempt shows the correct answers and explanations."""
    from content.models import QuizPage

    if attempt.is_open:
        return False
    return review == QuizPage.Review.FULL or (review == QuizPage.Review.AFTER_PASSING and attempt.passed)


def paper_items(attempt: QuizAttempt, reveal: bool = False) -> list[PaperItem]:
    """The attempt's paper for a template. Correct answers and explanations are only included when
    ``reveal`` is set, which the caller allows only for a graded attempt whose review shows them."""
    from wagtail.images import get_image_model

    from .grading import grade_item

    reveal = reveal and not attempt.is_open
    image_ids = {item["image"] for item in attempt.paper if item.get("image")}
    images = {}
    if image_ids:
        found = get_image_model().objects.filter(pk__in=image_ids).prefetch_renditions("max-800x600")
        images = {image.pk: image for image in found}
    items = []
    for position, item in enumerate(attempt.paper):
        answer = attempt.answers.get(str(position))
        chosen = set(answer) if isinstance(answer, list) else set()
        ranks = answer if isinstance(answer, dict) else {}
        options = []
        for option in item["options"]:
            shown = {"id": option["id"], "text": option["text"], "chosen": option["id"] in chosen}
            shown["rank"] = ranks.get(str(option["id"]))
            if reveal:
                shown["correct"] = option["id"] in item["key"]
                if item["kind"] == "ordering":
                    shown["correct_rank"] = item["key"].index(option["id"]) + 1
            options.append(shown)
        items.append(
            PaperItem(
                position=position,
                kind=item["kind"],
                prompt=item["prompt"],
                image=images.get(item.get("image")),
                image_alt=item.get("image_alt", ""),
                options=options,
                credit=grade_item(item, answer) if reveal else None,
                explanation=item.get("explanation", "") if reveal else "",
            )
        )
    return items
