"""Quiz attempts through ``assessment``: drawing papers, autosave, submission, deadlines, the rules
on attempts, and how passing the final test completes a course."""

import datetime
import random

import pytest
from django.db import connection
from django.utils import translation

from content.models import Question
from lms.learning import assessment, services
from lms.learning.assessment import GRACE
from lms.learning.models import AttemptAnswer, Enrollment, QuizAttempt
from lms.learning.services import LearningError
from tests.factories import OfficialFactory, lessons_of
from tests.learning.quiz_helpers import (
    Kind,
    correct_answers,
    enrolled,
    make_bank,
    make_question,
    make_quiz,
    mixed_answers,
    quiz_with_bank,
    wrong_answers,
)
from tests.support.learning import finish

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)  # 08:00 in Hà Nội


@pytest.fixture
def quiz(course):
    """A final test drawing the whole bank of four questions, one of each type."""
    return quiz_with_bank(course, 4)


@pytest.fixture
def learner(official, course):
    enrolled(official, course)
    return official


def start(official, quiz, now=None):
    return assessment.start_attempt(official, quiz, now=now)


def submit(official, attempt, data=None, now=None):
    return assessment.submit_attempt(official, attempt.pk, data, now=now)


def sit(official, quiz, answers=correct_answers, now=None):
    """Start an attempt and hand it in with ``answers(paper)``."""
    attempt = start(official, quiz, now=now)
    return submit(official, attempt, answers(attempt.paper), now=now)


def questions_of(paper):
    return [item["question"] for item in paper]


def draws(quiz, times=20, seed=2026):
    rng = random.Random(seed)
    return [assessment.draw_paper(quiz, rng=rng) for _ in range(times)]


def position_of(paper, kind):
    return next(position for position, item in enumerate(paper) if item["kind"] == kind)


def enrollment_of(official):
    return Enrollment.objects.get(official=official)


# Drawing a paper ----------------------------------------------------------------------------------


def test_paper_draws_questions_per_attempt_from_a_larger_bank(course):
    make_bank(course, 14)
    quiz = make_quiz(course, questions_per_attempt=10)
    assert {len(paper) for paper in draws(quiz)} == {10}


def test_paper_is_the_whole_bank_when_the_bank_is_smaller(course):
    bank = make_bank(course, 4)
    quiz = make_quiz(course, questions_per_attempt=10)
    assert sorted(questions_of(assessment.draw_paper(quiz))) == [q.pk for q in bank]


def test_draw_rules_take_so_many_questions_per_tag(course):
    iu03 = {q.pk for q in make_bank(course, 5, tags=["IU03"])}
    iu05 = {q.pk for q in make_bank(course, 5, tags=["IU05"])}
    make_bank(course, 10)
    quiz = make_quiz(course, questions_per_attempt=5, draw_rules=[("IU03", 3), ("IU05", 2)])
    for paper in draws(quiz):
        drawn = set(questions_of(paper))
        assert (len(drawn & iu03), len(drawn & iu05), len(drawn)) == (3, 2, 5)


def test_draw_rules_match_tags_whatever_their_case(course):
    tagged = {q.pk for q in make_bank(course, 2, tags=["IU03"])}
    make_bank(course, 10)
    quiz = make_quiz(course, questions_per_attempt=2, draw_rules=[("iu03", 2)])
    assert all(set(questions_of(paper)) == tagged for paper in draws(quiz, times=5))


def test_draw_rule_asking_for_more_than_the_tag_has_is_filled_from_the_bank(course):
    tagged = {q.pk for q in make_bank(course, 2, tags=["IU03"])}
    make_bank(course, 8)
    quiz = make_quiz(course, questions_per_attempt=6, draw_rules=[("IU03", 5)])
    for paper in draws(quiz, times=5):
        assert len(paper) == 6 and tagged <= set(questions_of(paper))


def test_a_question_is_never_on_a_paper_twice(course):
    # Every question carries both tags, so both rules compete for the same questions.
    make_bank(course, 6, tags=["IU03", "IU05"])
    make_bank(course, 2)
    quiz = make_quiz(course, questions_per_attempt=8, draw_rules=[("IU03", 4), ("IU05", 4)])
    for paper in draws(quiz):
        assert len(paper) == 8
        assert len(set(questions_of(paper))) == 8


def test_inactive_questions_are_never_drawn(course):
    active = {q.pk for q in make_bank(course, 4)}
    make_bank(course, 4, is_active=False)
    quiz = make_quiz(course, questions_per_attempt=8)
    assert all(set(questions_of(paper)) == active for paper in draws(quiz, times=5))


def test_questions_of_other_courses_are_never_drawn(catalogue, course):
    from tests.factories import make_course

    own = {q.pk for q in make_bank(course, 3)}
    make_bank(make_course(catalogue, title="Phần mềm quản lý văn bản", lessons=1), 5)
    quiz = make_quiz(course, questions_per_attempt=8)
    assert set(questions_of(assessment.draw_paper(quiz))) == own


def test_a_question_added_to_the_bank_later_is_drawn(course, learner):
    make_bank(course, 4)
    quiz = make_quiz(course, questions_per_attempt=5)
    assert len(sit(learner, quiz).paper) == 4
    added = make_question(course, Kind.MULTIPLE, prompt="Câu mới: chọn các thiết bị ký số hợp lệ.")
    paper = start(learner, quiz).paper
    assert len(paper) == 5 and added.pk in questions_of(paper)


def test_options_are_shuffled_on_the_paper(course):
    steps = [(f"Bước {n}", True) for n in range(1, 6)]
    question = make_question(course, Kind.ORDERING, steps)
    quiz = make_quiz(course, questions_per_attempt=1)
    correct_order = [option.pk for option in question.options.order_by("sort_order")]
    shown = [[option["option"] for option in paper[0]["options"]] for paper in draws(quiz, times=30)]
    assert all(sorted(order) == sorted(correct_order) for order in shown)
    # 30 draws all in the correct order would happen with probability (1/120)^30.
    assert any(order != correct_order for order in shown)
    assert len({tuple(order) for order in shown}) > 1


def test_paper_keeps_the_key_aside_from_the_options_shown(course):
    question = make_question(course, Kind.MULTIPLE)
    quiz = make_quiz(course, questions_per_attempt=1)
    (item,) = assessment.draw_paper(quiz)
    token_of = {option["option"]: option["id"] for option in item["options"]}
    assert set(item["key"]) == {token_of[o.pk] for o in question.options.all() if o.is_correct}
    assert all(set(option) == {"id", "option", "text"} for option in item["options"])


def test_paper_names_options_by_tokens_that_do_not_follow_the_key(course):
    question = make_question(course, Kind.ORDERING, [(f"Bước {n}", True) for n in range(1, 7)])
    quiz = make_quiz(course, questions_per_attempt=1)
    items = [paper[0] for paper in draws(quiz, times=20)]
    pks = set(question.options.values_list("pk", flat=True))
    assert all({option["option"] for option in item["options"]} == pks for item in items)
    assert all(pks.isdisjoint(option["id"] for option in item["options"]) for item in items)
    # Sorting the names gives the right order by chance only (1 in 720 per draw).
    assert sum(sorted(item["key"]) == item["key"] for item in items) < 3


def test_true_false_keeps_its_order(course):
    question = make_question(course, Kind.TRUE_FALSE)
    quiz = make_quiz(course, questions_per_attempt=1)
    expected = list(question.options.order_by("sort_order").values_list("pk", flat=True))
    assert all([o["option"] for o in paper[0]["options"]] == expected for paper in draws(quiz, times=10))


def test_two_officials_get_different_papers(course):
    make_bank(course, 14)
    quiz = make_quiz(course, questions_per_attempt=10)
    first, second = OfficialFactory(), OfficialFactory()
    enrolled(first, course)
    enrolled(second, course)
    # Equal ordered lists of 10 out of 14 questions: probability 1 / (14! / 4!) ≈ 3·10⁻¹⁰.
    assert questions_of(start(first, quiz).paper) != questions_of(start(second, quiz).paper)


def test_editing_the_bank_does_not_change_a_paper_already_drawn(quiz, learner):
    attempt = start(learner, quiz)
    Question.objects.filter(course=quiz.get_parent()).update(prompt="Đã sửa")
    attempt.refresh_from_db()
    assert "Đã sửa" not in {item["prompt"] for item in attempt.paper}


# Starting and resuming ----------------------------------------------------------------------------


def test_starting_needs_an_enrolment(official, quiz):
    with pytest.raises(LearningError):
        start(official, quiz)
    assert not QuizAttempt.objects.exists()


def test_an_unpublished_quiz_cannot_be_started(learner, quiz):
    quiz.unpublish()
    quiz.refresh_from_db()
    with pytest.raises(LearningError):
        start(learner, quiz)
    assert not QuizAttempt.objects.exists()


def test_a_quiz_without_questions_cannot_be_started(course, learner):
    quiz = make_quiz(course)
    with pytest.raises(LearningError):
        start(learner, quiz)
    assert not QuizAttempt.objects.exists()


def test_a_new_attempt_records_its_rules(learner, quiz):
    attempt = start(learner, quiz, now=T0)
    assert (attempt.number, attempt.pass_mark, attempt.quiz_title) == (1, quiz.pass_mark, quiz.title)
    assert attempt.deadline == T0 + datetime.timedelta(minutes=quiz.time_limit_minutes)
    assert attempt.is_open and attempt.answers == {}


def test_an_attempt_without_time_limit_has_no_deadline(course, learner):
    quiz = quiz_with_bank(course, 4, time_limit_minutes=0)
    assert start(learner, quiz).deadline is None


def test_starting_again_resumes_the_same_attempt_with_the_same_paper(learner, quiz):
    first = start(learner, quiz)
    again = start(learner, quiz)
    assert again.pk == first.pk
    assert again.paper == first.paper
    assert QuizAttempt.objects.count() == 1


def test_starting_after_the_time_ran_out_grades_the_old_attempt_and_draws_a_new_one(learner, quiz):
    old = start(learner, quiz, now=T0)
    assessment.save_answers(learner, old.pk, correct_answers(old.paper), now=T0)
    new = start(learner, quiz, now=old.deadline + GRACE + datetime.timedelta(seconds=1))
    old.refresh_from_db()
    assert new.pk != old.pk and new.number == 2
    assert (old.timed_out, old.score, old.submitted_at) == (True, 100, old.deadline + GRACE)


# Autosave -----------------------------------------------------------------------------------------


def test_autosave_keeps_the_answers(learner, quiz):
    attempt = start(learner, quiz)
    answers = correct_answers(attempt.paper)
    assessment.save_answers(learner, attempt.pk, {"0": answers["0"]})
    assessment.save_answers(learner, attempt.pk, {"1": answers["1"]})
    attempt.refresh_from_db()
    assert attempt.answers == {"0": answers["0"], "1": answers["1"]}
    assert attempt.answers_saved_at is not None


def test_autosaved_answers_survive_a_resume_and_are_graded(learner, quiz):
    attempt = start(learner, quiz)
    assessment.save_answers(learner, attempt.pk, correct_answers(attempt.paper))
    resumed = start(learner, quiz)
    assert resumed.answers == correct_answers(attempt.paper)
    graded = submit(learner, resumed)
    assert (graded.score, graded.passed) == (100, True)


def test_autosave_replaces_an_answer_and_an_empty_choice_clears_it(learner, quiz):
    attempt = start(learner, quiz)
    position = str(position_of(attempt.paper, Kind.SINGLE))
    assessment.save_answers(learner, attempt.pk, wrong_answers(attempt.paper))
    assessment.save_answers(learner, attempt.pk, {position: correct_answers(attempt.paper)[position]})
    attempt.refresh_from_db()
    assert attempt.answers[position] == correct_answers(attempt.paper)[position]
    assessment.save_answers(learner, attempt.pk, {position: []})
    attempt.refresh_from_db()
    assert attempt.answers[position] == []


def test_autosave_accepts_answers_as_the_form_sends_them(learner, quiz):
    attempt = start(learner, quiz)
    as_strings = {
        position: ({k: str(v) for k, v in answer.items()} if isinstance(answer, dict) else [str(v) for v in answer])
        for position, answer in correct_answers(attempt.paper).items()
    }
    assessment.save_answers(learner, attempt.pk, as_strings)
    attempt.refresh_from_db()
    assert attempt.answers == correct_answers(attempt.paper)


# Refusing what is not on the paper ----------------------------------------------------------------


def forged_option(paper):
    return {str(position_of(paper, Kind.SINGLE)): [10**9]}


def option_of_another_question(paper):
    other = paper[position_of(paper, Kind.MULTIPLE)]["options"][0]["id"]
    return {str(position_of(paper, Kind.SINGLE)): [other]}


def forged_step(paper):
    position = position_of(paper, Kind.ORDERING)
    return {str(position): {**correct_answers(paper)[str(position)], str(10**9): 1}}


def position_past_the_end(paper):
    return {str(len(paper)): correct_answers(paper)["0"]}


def negative_position(paper):
    return {"-1": correct_answers(paper)[str(len(paper) - 1)]}


def position_not_a_number(paper):
    return {"câu-1": [1]}


def two_options_on_single_choice(paper):
    position = position_of(paper, Kind.SINGLE)
    return {str(position): [option["id"] for option in paper[position]["options"][:2]]}


def option_id_not_a_number(paper):
    return {str(position_of(paper, Kind.SINGLE)): ["một"]}


def rank_zero(paper):
    position = position_of(paper, Kind.ORDERING)
    ranks = correct_answers(paper)[str(position)]
    return {str(position): {**ranks, next(iter(ranks)): 0}}


def rank_past_the_last_step(paper):
    position = position_of(paper, Kind.ORDERING)
    ranks = correct_answers(paper)[str(position)]
    return {str(position): {**ranks, next(iter(ranks)): len(ranks) + 1}}


def rank_not_a_number(paper):
    position = position_of(paper, Kind.ORDERING)
    ranks = correct_answers(paper)[str(position)]
    return {str(position): {**ranks, next(iter(ranks)): "đầu tiên"}}


def ranks_as_a_list(paper):
    return {str(position_of(paper, Kind.ORDERING)): [1, 2, 3, 4]}


def choice_as_a_mapping(paper):
    position = position_of(paper, Kind.SINGLE)
    return {str(position): {str(paper[position]["options"][0]["id"]): 1}}


def data_as_a_list(paper):
    return [correct_answers(paper)["0"]]


def data_as_text(paper):
    return "q0=1"


BAD_DATA = [
    forged_option,
    option_of_another_question,
    forged_step,
    position_past_the_end,
    negative_position,
    position_not_a_number,
    two_options_on_single_choice,
    option_id_not_a_number,
    rank_zero,
    rank_past_the_last_step,
    rank_not_a_number,
    ranks_as_a_list,
    choice_as_a_mapping,
    data_as_a_list,
    data_as_text,
]


@pytest.fixture
def saved_attempt(learner, quiz):
    """An open attempt with every answer wrong already saved."""
    attempt = start(learner, quiz)
    assessment.save_answers(learner, attempt.pk, wrong_answers(attempt.paper), now=T0)
    attempt.refresh_from_db()
    return attempt


def assert_unchanged(attempt):
    stored = QuizAttempt.objects.get(pk=attempt.pk)
    assert stored.answers == attempt.answers == wrong_answers(attempt.paper)
    assert stored.answers_saved_at == T0
    assert stored.is_open and stored.score is None
    assert not AttemptAnswer.objects.exists()


@pytest.mark.parametrize("bad_data", BAD_DATA)
def test_autosave_refuses_answers_not_on_the_paper(learner, saved_attempt, bad_data):
    with pytest.raises(LearningError):
        assessment.save_answers(learner, saved_attempt.pk, bad_data(saved_attempt.paper))
    assert_unchanged(saved_attempt)


@pytest.mark.parametrize("bad_data", BAD_DATA)
def test_submit_refuses_answers_not_on_the_paper(learner, saved_attempt, bad_data):
    with pytest.raises(LearningError):
        submit(learner, saved_attempt, bad_data(saved_attempt.paper))
    assert_unchanged(saved_attempt)


def test_another_officials_attempt_cannot_be_saved(saved_attempt):
    intruder = OfficialFactory()
    enrolled(intruder, saved_attempt.enrollment.course)
    with pytest.raises(LearningError):
        assessment.save_answers(intruder, saved_attempt.pk, correct_answers(saved_attempt.paper))
    assert_unchanged(saved_attempt)


def test_another_officials_attempt_cannot_be_submitted(saved_attempt):
    intruder = OfficialFactory()
    enrolled(intruder, saved_attempt.enrollment.course)
    with pytest.raises(LearningError):
        assessment.submit_attempt(intruder, saved_attempt.pk, correct_answers(saved_attempt.paper))
    assert_unchanged(saved_attempt)


def test_an_attempt_that_does_not_exist_is_refused_like_anyone_elses(learner, saved_attempt):
    with pytest.raises(LearningError) as missing:
        assessment.save_answers(learner, saved_attempt.pk + 1000, {})
    with pytest.raises(LearningError) as not_yours:
        assessment.save_answers(OfficialFactory(), saved_attempt.pk, {})
    assert str(missing.value) == str(not_yours.value)
    assert_unchanged(saved_attempt)


# Deadlines ----------------------------------------------------------------------------------------


def test_submitting_after_the_deadline_grades_only_the_answers_saved_in_time(learner, quiz):
    attempt = start(learner, quiz, now=T0)
    saved = mixed_answers(attempt.paper, right=2)
    assessment.save_answers(learner, attempt.pk, saved, now=T0 + datetime.timedelta(minutes=5))
    late = attempt.deadline + GRACE + datetime.timedelta(seconds=1)
    graded = submit(learner, attempt, correct_answers(attempt.paper), now=late)
    graded.refresh_from_db()
    assert graded.answers == saved
    assert graded.score == 50 and not graded.passed
    assert graded.timed_out
    assert graded.submitted_at == attempt.deadline + GRACE
    assert graded.answers_saved_at == T0 + datetime.timedelta(minutes=5)


def test_answers_arriving_within_the_grace_are_graded(learner, quiz):
    attempt = start(learner, quiz, now=T0)
    graded = submit(learner, attempt, correct_answers(attempt.paper), now=attempt.deadline + GRACE)
    assert (graded.score, graded.passed, graded.timed_out) == (100, True, False)


def test_autosave_after_the_deadline_is_refused(learner, quiz):
    attempt = start(learner, quiz, now=T0)
    assessment.save_answers(learner, attempt.pk, wrong_answers(attempt.paper), now=T0)
    with pytest.raises(LearningError):
        assessment.save_answers(
            learner,
            attempt.pk,
            correct_answers(attempt.paper),
            now=attempt.deadline + GRACE + datetime.timedelta(seconds=1),
        )
    attempt.refresh_from_db()
    assert attempt.answers == wrong_answers(attempt.paper) and attempt.answers_saved_at == T0


def test_autosave_after_submitting_is_refused(learner, quiz):
    attempt = sit(learner, quiz, wrong_answers)
    with pytest.raises(LearningError):
        assessment.save_answers(learner, attempt.pk, correct_answers(attempt.paper))
    attempt.refresh_from_db()
    assert attempt.answers == wrong_answers(attempt.paper) and attempt.score == 0


# Grading on submission ----------------------------------------------------------------------------


def test_submitting_grades_every_position(learner, quiz):
    attempt = start(learner, quiz)
    answers = mixed_answers(attempt.paper, right=3)
    del answers["3"]
    graded = submit(learner, attempt, answers)
    rows = list(AttemptAnswer.objects.filter(attempt=graded).order_by("position"))
    assert [(row.position, row.question_id) for row in rows] == list(enumerate(questions_of(attempt.paper)))
    assert [(row.credit, row.answered) for row in rows] == [(1, True), (1, True), (1, True), (0, False)]
    assert (graded.score, graded.passed, graded.timed_out) == (75, True, False)


def test_score_below_the_pass_mark_fails(learner, quiz):
    graded = sit(learner, quiz, lambda paper: mixed_answers(paper, right=2))
    assert graded.score == 50 and not graded.passed


def test_the_pass_mark_is_the_one_in_force_when_the_attempt_started(learner, quiz):
    attempt = start(learner, quiz)
    quiz.pass_mark = 100
    quiz.save_revision().publish()
    graded = submit(learner, attempt, mixed_answers(attempt.paper, right=3))
    assert graded.passed and graded.pass_mark == 70


def test_submitting_twice_returns_the_same_graded_attempt(learner, quiz):
    attempt = start(learner, quiz)
    first = submit(learner, attempt, correct_answers(attempt.paper))
    second = submit(learner, attempt, wrong_answers(attempt.paper))
    assert second.pk == first.pk
    assert (second.score, second.submitted_at, second.answers) == (first.score, first.submitted_at, first.answers)
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(attempt.paper)


def test_a_deleted_question_does_not_stop_an_attempt_from_being_graded(learner, quiz):
    attempt = start(learner, quiz)
    removed = attempt.paper[0]["question"]
    Question.objects.filter(pk=removed).delete()
    graded = submit(learner, attempt, correct_answers(attempt.paper))
    connection.check_constraints()  # the foreign keys hold (they are checked at commit)
    assert graded.score == 100
    assert AttemptAnswer.objects.get(attempt=graded, position=0).question_id is None
    assert AttemptAnswer.objects.filter(attempt=graded, question__isnull=False).count() == len(attempt.paper) - 1


# Rules on attempts --------------------------------------------------------------------------------


def test_max_attempts_is_enforced(course, learner):
    quiz = quiz_with_bank(course, 4, max_attempts=2)
    sit(learner, quiz, wrong_answers)
    sit(learner, quiz, wrong_answers)
    with pytest.raises(LearningError, match="2"):
        start(learner, quiz)
    assert QuizAttempt.objects.count() == 2


def test_no_attempt_limit_when_max_attempts_is_zero(course, learner):
    quiz = quiz_with_bank(course, 4, max_attempts=0)
    numbers = [sit(learner, quiz, wrong_answers).number for _ in range(5)]
    assert numbers == [1, 2, 3, 4, 5]


def test_min_wait_is_enforced_and_the_message_says_from_when(course, learner):
    quiz = quiz_with_bank(course, 4, min_wait_minutes=30)
    sit(learner, quiz, wrong_answers, now=T0 + datetime.timedelta(minutes=1))  # handed in at 08:01
    with translation.override("vi"), pytest.raises(LearningError) as refusal:
        start(learner, quiz, now=T0 + datetime.timedelta(minutes=20))
    assert "08:31 02/03/2026" in str(refusal.value)
    assert QuizAttempt.objects.count() == 1


def test_min_wait_over_allows_the_next_attempt(course, learner):
    quiz = quiz_with_bank(course, 4, min_wait_minutes=30)
    sit(learner, quiz, wrong_answers, now=T0)
    assert start(learner, quiz, now=T0 + datetime.timedelta(minutes=30)).number == 2


# Completing the course ----------------------------------------------------------------------------


def test_passing_the_final_test_completes_the_course_once_the_lessons_are_done(course, learner, quiz):
    finish(learner, course)
    assert not enrollment_of(learner).is_complete
    sit(learner, quiz)
    assert enrollment_of(learner).is_complete


def test_passing_the_final_test_with_lessons_left_does_not_complete(course, learner, quiz):
    finish(learner, course, lessons_of(course)[:-1])
    assert sit(learner, quiz).passed
    assert not enrollment_of(learner).is_complete


def test_the_last_lesson_after_passing_completes_the_course(course, learner, quiz):
    *first, last = lessons_of(course)
    finish(learner, course, first)
    sit(learner, quiz)
    assert services.record_lesson_done(learner, last).newly_completed
    assert enrollment_of(learner).is_complete


def test_a_failed_attempt_does_not_complete(course, learner, quiz):
    finish(learner, course)
    assert not sit(learner, quiz, wrong_answers).passed
    assert not enrollment_of(learner).is_complete


def test_an_optional_quiz_is_not_needed_to_complete(course, learner):
    quiz_with_bank(course, 4, is_required=False)
    finish(learner, course)
    assert enrollment_of(learner).is_complete


def test_taking_a_test_counts_as_starting_the_course_in_the_reports(course, learner, quiz):
    from lms.reports import aggregation, rebuild

    unit = learner.unit
    assert aggregation.summary([unit]).not_started == 1
    attempt = start(learner, quiz, now=T0)
    assert enrollment_of(learner).last_activity_at == T0
    assert (aggregation.summary([unit]).in_progress, aggregation.summary([unit]).not_started) == (1, 0)
    later = T0 + datetime.timedelta(minutes=5)
    submit(learner, attempt, wrong_answers(attempt.paper), now=later)
    assert enrollment_of(learner).last_activity_at == later
    assert aggregation.summary([unit]).in_progress == 1
    assert rebuild.check() == []


def test_handing_in_the_test_that_completes_keeps_the_tallies_right(course, learner, quiz):
    from lms.reports import aggregation, rebuild

    finish(learner, course)
    sit(learner, quiz)
    assert (aggregation.summary([learner.unit]).completed, aggregation.summary([learner.unit]).in_progress) == (1, 0)
    assert rebuild.check() == []


# Attempts abandoned when time ran out -------------------------------------------------------------


def test_close_expired_attempts_grades_abandoned_attempts_and_completes_the_course(course, learner, quiz):
    finish(learner, course)
    attempt = start(learner, quiz, now=T0)
    assessment.save_answers(learner, attempt.pk, correct_answers(attempt.paper), now=T0)
    assert assessment.close_expired_attempts(now=attempt.deadline + GRACE + datetime.timedelta(seconds=1)) == 1
    attempt.refresh_from_db()
    assert (attempt.timed_out, attempt.score, attempt.passed) == (True, 100, True)
    assert attempt.submitted_at == attempt.deadline + GRACE
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(attempt.paper)
    assert enrollment_of(learner).is_complete


def test_close_expired_attempts_leaves_attempts_still_in_time(learner, quiz):
    attempt = start(learner, quiz, now=T0)
    assert assessment.close_expired_attempts(now=attempt.deadline + GRACE) == 0
    attempt.refresh_from_db()
    assert attempt.is_open


def test_close_expired_attempts_grades_an_abandoned_failure_without_completing(course, learner, quiz):
    finish(learner, course)
    attempt = start(learner, quiz, now=T0)
    assert assessment.close_expired_attempts(now=attempt.deadline + datetime.timedelta(hours=1)) == 1
    attempt.refresh_from_db()
    assert (attempt.timed_out, attempt.score, attempt.passed) == (True, 0, False)
    assert not enrollment_of(learner).is_complete


def test_close_expired_attempts_twice_grades_once(learner, quiz):
    attempt = start(learner, quiz, now=T0)
    later = attempt.deadline + datetime.timedelta(hours=1)
    assert [assessment.close_expired_attempts(now=later) for _ in range(2)] == [1, 0]
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(attempt.paper)
