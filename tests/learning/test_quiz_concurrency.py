"""Quiz attempts under real concurrent requests, on PostgreSQL.

Each test releases its threads together through a barrier; every thread has its own database
connection (Django's are per thread) and closes it at the end. The data is committed
(``transaction=True``) so that every connection sees it. What these tests guard is the row locks
``assessment`` takes — enrolment, then attempt: without them two requests read the same open
attempt and both grade it, or both claim the next attempt number, and the unique constraints
turn the loser into an IntegrityError or a refusal.
"""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from lms.learning import assessment
from lms.learning.grading import grade_paper
from lms.learning.models import AttemptAnswer, Enrollment, QuizAttempt
from lms.learning.services import LearningError, record_lesson_done
from tests.concurrency import run_together
from tests.factories import OfficialFactory, lessons_of
from tests.learning.quiz_helpers import as_form_data, correct_answers, enrolled, quiz_with_bank, wrong_answers
from tests.support.db import ROW_LOCKS, postgres_only

pytestmark = [
    postgres_only(ROW_LOCKS),
    pytest.mark.django_db(transaction=True),
]

THREADS = 5
TIMEOUT = 60


def logged_in_client(user):
    """A client of its own for a thread, logged in as ``user`` (the session is made once, here)."""
    main = Client()
    main.force_login(user)
    session = main.cookies[settings.SESSION_COOKIE_NAME].value

    def make(_index=None):
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        return client

    return make


@pytest.fixture
def learner(official, course):
    enrolled(official, course)
    for lesson in lessons_of(course):
        record_lesson_done(official, lesson)
    return official


@pytest.fixture
def quiz(course):
    return quiz_with_bank(course, 8, max_attempts=2)


def assert_graded_once(attempt):
    attempt.refresh_from_db()
    assert not attempt.is_open
    assert QuizAttempt.objects.filter(enrollment=attempt.enrollment, submitted_at__isnull=False).count() == 1
    positions = list(AttemptAnswer.objects.filter(attempt=attempt).values_list("position", flat=True))
    assert sorted(positions) == list(range(len(attempt.paper)))
    return attempt


# Double submit ------------------------------------------------------------------------------------


def test_double_submit_over_http_grades_the_attempt_once(learner, quiz):
    attempt = assessment.start_attempt(learner, quiz)
    url = reverse("learning:attempt_submit", args=[attempt.pk])
    data = as_form_data(correct_answers(attempt.paper), attempt.paper)

    responses, errors = run_together(THREADS, lambda i, client: client.post(url, data), logged_in_client(learner.user))

    assert errors == [None] * THREADS
    assert [r.status_code for r in responses] == [302] * THREADS
    assert {r["Location"] for r in responses} == {reverse("learning:attempt", args=[attempt.pk])}
    graded = assert_graded_once(attempt)
    assert (graded.score, graded.passed) == (100, True)
    assert Enrollment.objects.get(pk=attempt.enrollment_id).is_complete


def test_double_submit_through_the_service_grades_the_attempt_once(learner, quiz):
    attempt = assessment.start_attempt(learner, quiz)
    answers = correct_answers(attempt.paper)

    results, errors = run_together(THREADS, lambda i, _: assessment.submit_attempt(learner, attempt.pk, answers))

    assert errors == [None] * THREADS
    assert {result.pk for result in results} == {attempt.pk}
    assert len({result.submitted_at for result in results}) == 1  # every caller sees the one grading
    assert assert_graded_once(attempt).score == 100


def test_the_sweeper_and_a_late_submit_grade_the_attempt_once(learner, quiz):
    attempt = assessment.start_attempt(learner, quiz)
    later = attempt.deadline + assessment.GRACE + datetime.timedelta(minutes=1)

    def work(index, _):
        if index == 0:
            return assessment.close_expired_attempts(now=later)
        return assessment.submit_attempt(learner, attempt.pk, correct_answers(attempt.paper), now=later)

    _results, errors = run_together(THREADS, work)

    assert errors == [None] * THREADS
    graded = assert_graded_once(attempt)
    assert graded.timed_out and graded.score == 0  # nothing was saved in time


def test_autosaves_racing_a_submit_never_change_a_graded_attempt(learner, quiz):
    attempt = assessment.start_attempt(learner, quiz)
    right, wrong = correct_answers(attempt.paper), wrong_answers(attempt.paper)

    def work(index, _):
        if index == 0:
            return assessment.submit_attempt(learner, attempt.pk)
        try:  # each autosave changes a different answer to the right one
            return assessment.save_answers(learner, attempt.pk, {str(index): right[str(index)]})
        except LearningError:  # arrived after the submit
            return None

    assessment.save_answers(learner, attempt.pk, wrong)
    results, errors = run_together(THREADS, work)

    assert errors == [None] * THREADS
    graded = assert_graded_once(attempt)
    credits, score = grade_paper(graded.paper, graded.answers)
    assert graded.score == score, "answers were changed after grading"
    for index, saved in enumerate(results[1:], start=1):  # no autosave was lost, none came late
        assert graded.answers[str(index)] == (right if saved else wrong)[str(index)]
    stored = list(AttemptAnswer.objects.filter(attempt=graded).order_by("position").values_list("credit", flat=True))
    assert stored == credits


# Parallel starts ----------------------------------------------------------------------------------


@pytest.fixture
def one_attempt_used(learner, quiz):
    first = assessment.start_attempt(learner, quiz)
    assessment.submit_attempt(learner, first.pk, wrong_answers(first.paper))
    return first


def test_parallel_starts_over_http_open_one_attempt(learner, quiz, one_attempt_used):
    url = reverse("learning:quiz_start", args=[quiz.pk])

    responses, errors = run_together(6, lambda i, client: client.post(url), logged_in_client(learner.user))

    assert errors == [None] * 6
    attempts = QuizAttempt.objects.filter(enrollment__official=learner).order_by("number")
    assert [(a.number, a.is_open) for a in attempts] == [(1, False), (2, True)]
    # With the locks every request waits for the first and resumes its attempt; a refusal would
    # mean the unique constraint, not the lock, settled the race.
    assert {r["Location"] for r in responses} == {reverse("learning:attempt", args=[attempts[1].pk])}


def test_parallel_starts_through_the_service_open_one_attempt(learner, quiz, one_attempt_used):
    results, errors = run_together(6, lambda i, _: assessment.start_attempt(learner, quiz))

    assert errors == [None] * 6
    assert QuizAttempt.objects.filter(enrollment__official=learner).count() == 2
    assert {(r.number, r.is_open) for r in results} == {(2, True)}
    assert len({r.pk for r in results}) == 1


def test_parallel_starts_after_the_last_attempt_all_refused(learner, quiz, one_attempt_used):
    second = assessment.start_attempt(learner, quiz)
    assessment.submit_attempt(learner, second.pk, wrong_answers(second.paper))

    _results, errors = run_together(6, lambda i, _: assessment.start_attempt(learner, quiz))

    assert all(isinstance(error, LearningError) for error in errors)
    assert QuizAttempt.objects.filter(enrollment__official=learner).count() == 2


# The locks are the official's own ----------------------------------------------------------------


def test_one_officials_lock_does_not_hold_up_another_official_of_the_same_course(course, quiz):
    """Starting a quiz locks the official's enrolment, not the course page every learner shares."""
    holder, other = OfficialFactory(), OfficialFactory()
    enrolled(holder, course)
    enrolled(other, course)
    locked, release = threading.Event(), threading.Event()

    def work(index, _):
        if index == 0:  # the holder is in the middle of starting an attempt
            with transaction.atomic():
                assessment._locked_enrollment(holder, quiz)
                locked.set()
                release.wait(TIMEOUT)
            return None
        locked.wait(TIMEOUT)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '3s'")
                return assessment.start_attempt(other, quiz)
        finally:
            release.set()

    results, errors = run_together(2, work)

    assert errors == [None, None]
    assert results[1].enrollment.official_id == other.pk
