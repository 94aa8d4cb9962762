"""Recertification cycles: a completed enrolment reopened as a new cycle must meet the course's
requirements again, with the records of the earlier cycle kept and the attempt limits reset."""

import datetime

import pytest
from django.utils import timezone

from lms.learning import assessment, selectors, services, signals
from lms.learning.models import Enrollment, LessonProgress, QuizAttempt
from tests.factories import lessons_of
from tests.learning.quiz_helpers import correct_answers, enrolled, quiz_with_bank, wrong_answers
from tests.support.learning import finish


@pytest.fixture
def quiz(course):
    return quiz_with_bank(course, 4, max_attempts=1)


def finish_course(official, course, quiz, answers=correct_answers):
    finish(official, course)
    attempt = assessment.start_attempt(official, quiz)
    return assessment.submit_attempt(official, attempt.pk, answers(attempt.paper))


@pytest.fixture
def completed(official, course, quiz):
    enrolled(official, course)
    finish_course(official, course, quiz)
    enrollment = Enrollment.objects.get(official=official, course=course)
    assert enrollment.is_complete
    return enrollment


def state_of(official, course, quiz):
    return selectors.learner_course_state(official.user, course, lessons_of(course), [quiz])


def test_a_new_cycle_reopens_the_course_with_nothing_counted(official, course, quiz, completed):
    reopened = services.start_new_cycle(completed)
    assert (reopened.cycle, reopened.completed_at, reopened.completion_notified_at) == (2, None, None)
    assert reopened.cycle_started_at is not None
    state = state_of(official, course, quiz)
    assert state.done_ids == set() and state.passed_quiz_ids == set()
    assert state.percent == 0
    assert state.next_lesson == lessons_of(course)[0]
    # The earlier cycle's records stay.
    assert LessonProgress.objects.filter(enrollment=completed).count() == len(lessons_of(course))
    assert QuizAttempt.objects.filter(enrollment=completed, passed=True).count() == 1


def test_reopening_twice_is_harmless(completed):
    services.start_new_cycle(completed)
    again = services.start_new_cycle(completed)
    assert again.cycle == 2


def test_reopening_needs_a_completed_enrolment(official, course):
    enrollment = enrolled(official, course)
    assert services.start_new_cycle(enrollment).cycle == 1


def test_lessons_alone_do_not_complete_the_new_cycle(official, course, quiz, completed):
    services.start_new_cycle(completed)
    for lesson in lessons_of(course):
        services.record_lesson_done(official, lesson)
    completed.refresh_from_db()
    assert not completed.is_complete
    assert state_of(official, course, quiz).next_quiz == quiz


def test_passing_again_completes_the_new_cycle_and_tells_the_listeners(official, course, quiz, completed):
    heard = []

    def listener(sender, enrollment, **kwargs):
        heard.append((enrollment.pk, enrollment.cycle))

    signals.enrollment_completed.connect(listener)
    try:
        first_completion = completed.completed_at
        services.start_new_cycle(completed)
        attempt = finish_course(official, course, quiz)
    finally:
        signals.enrollment_completed.disconnect(listener)
    completed.refresh_from_db()
    assert completed.is_complete and completed.completed_at > first_completion
    assert attempt.number == 2  # numbering continues across cycles
    assert heard == [(completed.pk, 2)]


def test_attempt_limits_start_afresh_in_a_new_cycle(official, course, quiz, completed):
    # max_attempts=1 was used up in the first cycle.
    services.start_new_cycle(completed)
    state = selectors.learner_quiz_state(official.user, quiz)
    assert state.attempts == [] and state.attempts_left == 1 and state.can_start
    attempt = assessment.start_attempt(official, quiz)
    assessment.submit_attempt(official, attempt.pk, wrong_answers(attempt.paper))
    with pytest.raises(services.LearningError):
        assessment.start_attempt(official, quiz)


def test_a_lesson_done_again_counts_from_its_new_date(official, course, quiz, completed):
    lesson = lessons_of(course)[0]
    before = LessonProgress.objects.get(enrollment=completed, lesson=lesson).completed_at
    reopened = services.start_new_cycle(completed)
    services.record_lesson_done(official, lesson)
    progress = LessonProgress.objects.get(enrollment=completed, lesson=lesson)
    assert progress.completed_at >= reopened.cycle_started_at > before
    assert state_of(official, course, quiz).done_ids == {lesson.pk}


def test_records_before_the_cycle_started_do_not_count(official, course, quiz, completed):
    # A cycle that started in the future of every record: nothing counts, whatever the clock says.
    Enrollment.objects.filter(pk=completed.pk).update(
        completed_at=None, cycle=2, cycle_started_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    completed.refresh_from_db()
    services.complete_if_satisfied(completed)
    completed.refresh_from_db()
    assert not completed.is_complete
