"""Quiz attempts on the server: draw a paper, autosave answers, submit (or time out), grade.

Every write takes row locks in one order — enrolment, then attempt — so a double click, two tabs
or parallel starts serialise instead of racing; unique constraints back each rule.
"""

import datetime
import random
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import grading
from .models import AttemptAnswer, Enrollment, QuizAttempt
from .services import LearningError, complete_if_satisfied, record_activity

if TYPE_CHECKING:
    from content.models import Question, QuizPage
    from lms.people.models import Official

# A paper: one snapshot per question (see ``snapshot``), as stored with the attempt.
Paper = list[dict[str, Any]]

# Answers that were on their way when the time ran out (a slow line) are still accepted.
GRACE = datetime.timedelta(seconds=30)
_random = random.SystemRandom()


# Drawing a paper ------------------------------------------------------------------------------


def bank_for(quiz: "QuizPage") -> list["Question"]:
    """Active questions of the quiz's course with their options and tags, in a fixed number of queries."""
    from content.models import Question

    return list(
        Question.objects.filter(course_id=quiz.get_parent().pk, is_active=True)
        .prefetch_related("options", "tags")
        .order_by("pk")
    )


def choose_questions(
    bank: Sequence["Question"], total: int, rules: Iterable[tuple[str, int]], rng: random.Random = _random
) -> list["Question"]:
    """So many questions per tag first (in rule order, no question twice), then the rest at random."""
    chosen: list[Question] = []
    taken: set[int] = set()
    for tag, count in rules:
        candidates = [q for q in bank if q.pk not in taken and tag.lower() in {t.name.lower() for t in q.tags.all()}]
        for question in rng.sample(candidates, min(count, len(candidates), total - len(chosen))):
            chosen.append(question)
            taken.add(question.pk)
    rest = [q for q in bank if q.pk not in taken]
    chosen += rng.sample(rest, min(len(rest), max(0, total - len(chosen))))
    rng.shuffle(chosen)
    return chosen


def snapshot(question: "Question", rng: random.Random = _random) -> dict[str, Any]:
    """The paper item for ``question``: options shuffled (true/false keeps its order), key kept aside.

    Options are named on the paper by random numbers, not their database ids: trainers enter the
    steps of a procedure in order, so ascending ids would give the order (and often the right
    choice) away to anyone reading the page source. ``option`` keeps the real id for the record.
    """
    options = list(question.options.all())
    ordered = sorted(options, key=lambda option: (option.sort_order or 0, option.pk))
    numbers = rng.sample(range(100_000, 1_000_000), len(ordered))
    tokens = {option.pk: number for option, number in zip(ordered, numbers, strict=True)}
    if question.kind == question.Kind.ORDERING:
        key = [tokens[option.pk] for option in ordered]
    else:
        key = [tokens[option.pk] for option in ordered if option.is_correct]
    shown = ordered if question.kind == question.Kind.TRUE_FALSE else rng.sample(ordered, len(ordered))
    return {
        "question": question.pk,
        "kind": question.kind,
        "scoring": question.scoring,
        "prompt": question.prompt,
        "image": question.image_id,
        "image_alt": question.image_alt,
        "explanation": question.explanation,
        "options": [{"id": tokens[option.pk], "option": option.pk, "text": option.text} for option in shown],
        "key": key,
    }


def draw_paper(quiz: "QuizPage", rng: random.Random = _random) -> Paper:
    rules = [(rule.tag, rule.count) for rule in quiz.draw_rules.all()]
    questions = choose_questions(bank_for(quiz), quiz.questions_per_attempt, rules, rng)
    return [snapshot(question, rng) for question in questions]


# Life cycle -----------------------------------------------------------------------------------


def _locked_enrollment(official: "Official", quiz: "QuizPage") -> Enrollment:
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))  # not the course page all learners share
        .select_related("course")
        .filter(official=official, course_id=quiz.get_parent().pk)
        .first()
    )
    if enrollment is None:
        raise LearningError(_("Please enrol in the course before taking its quizzes."))
    return enrollment


def is_expired(attempt: QuizAttempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def seconds_left(attempt: QuizAttempt, now: datetime.datetime) -> int | None:
    """Seconds until the time is up (the grace is not announced), or None without a limit."""
    if attempt.deadline is None or not attempt.is_open:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))


def next_start_at(quiz: "QuizPage", attempts: Sequence[QuizAttempt]) -> datetime.datetime | None:
    """When the official may start again after ``attempts`` (submitted, oldest first), or None if now."""
    if not quiz.min_wait_minutes or not attempts:
        return None
    last_submitted = cast(datetime.datetime, attempts[-1].submitted_at)  # submitted: it has the time
    return last_submitted + datetime.timedelta(minutes=quiz.min_wait_minutes)


def start_attempt(official: "Official", quiz: "QuizPage", now: datetime.datetime | None = None) -> QuizAttempt:
    """Resume the open attempt, or start a new one if the rules allow it."""
    now = now or timezone.now()
    if not quiz.live:
        raise LearningError(_("This quiz is not published."))
    with transaction.atomic():
        enrollment = _locked_enrollment(official, quiz)
        every_attempt = list(
            QuizAttempt.objects.select_for_update().filter(enrollment=enrollment, quiz=quiz).order_by("number")
        )
        open_attempt = next((a for a in every_attempt if a.is_open), None)
        if open_attempt is not None:
            if not is_expired(open_attempt, now):
                return open_attempt
            _finish(open_attempt, now, timed_out=True)
            enrollment.refresh_from_db()  # grading may have completed it
        # The limits apply per cycle: a recertification starts with a clean slate.
        attempts = [a for a in every_attempt if enrollment.in_cycle(a.started_at)]
        if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
            raise LearningError(_("You have used all %(count)s attempts at this quiz.") % {"count": quiz.max_attempts})
        wait_until = next_start_at(quiz, attempts)
        if wait_until and now < wait_until:
            raise LearningError(
                _("You can start the next attempt from %(time)s.")
                % {"time": date_format(timezone.localtime(wait_until), "SHORT_DATETIME_FORMAT")}
            )
        paper = draw_paper(quiz)
        if not paper:
            raise LearningError(_("This quiz has no questions yet; please come back later."))
        limit = datetime.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    enrollment=enrollment,
                    quiz=quiz,
                    quiz_title=quiz.title,
                    number=len(every_attempt) + 1,
                    deadline=now + limit if limit else None,
                    paper=paper,
                    pass_mark=quiz.pass_mark,
                )
        except IntegrityError:  # only reachable without row locks (e.g. SQLite); the constraint holds
            raise LearningError(_("This attempt has already been started.")) from None
        record_activity(enrollment, now)  # a test taken counts as starting the course
        return attempt


def own_attempt(official: "Official", attempt_id: int, lock: bool = False) -> QuizAttempt:
    """One of the official's attempts, or a refusal that tells nothing about anyone else's."""
    attempts = QuizAttempt.objects.select_related("enrollment", "quiz")
    if lock:
        attempts = attempts.select_for_update(of=("self",))
    attempt = attempts.filter(pk=attempt_id, enrollment__official=official).first()
    if attempt is None:
        raise LearningError(_("This attempt does not exist or is not yours."))
    return attempt


def clean_answers(paper: Paper, data: object) -> dict[str, list[int] | dict[str, int]]:
    """Validate answers sent by the browser against the paper; refuse anything not on it.

    ``data`` maps a position (as a string) to a list of option ids, or for an ordering question
    to a mapping option id → rank. Unanswered positions may be missing.
    """
    if not isinstance(data, dict):
        raise LearningError(_("The answers could not be read."))
    cleaned: dict[str, list[int] | dict[str, int]] = {}
    for position, answer in data.items():
        try:
            item = paper[int(position)]
        except (ValueError, IndexError, TypeError):
            raise LearningError(_("An answer was sent for a question that is not on your paper.")) from None
        if int(position) < 0:
            raise LearningError(_("An answer was sent for a question that is not on your paper."))
        option_ids = {option["id"] for option in item["options"]}
        if item["kind"] == "ordering":
            cleaned[str(int(position))] = _clean_ranks(answer, option_ids)
        else:
            chosen = _clean_choice(answer, option_ids)
            if item["kind"] != "multiple" and len(chosen) > 1:
                raise LearningError(_("Only one option can be chosen for this question."))
            cleaned[str(int(position))] = chosen  # an empty list clears an earlier answer
    return cleaned


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise LearningError(_("An answer names an option that is not on your paper.")) from None


def _clean_choice(answer: Any, option_ids: set[int]) -> list[int]:
    values = answer if isinstance(answer, list) else [answer]
    chosen = sorted({_as_int(value) for value in values if value not in ("", None)})
    if not set(chosen) <= option_ids:
        raise LearningError(_("An answer names an option that is not on your paper."))
    return chosen


def _clean_ranks(answer: Any, option_ids: set[int]) -> dict[str, int]:
    if not isinstance(answer, dict):
        raise LearningError(_("The order of the steps could not be read."))
    ranks = {}
    for option_id, rank in answer.items():
        if _as_int(option_id) not in option_ids:
            raise LearningError(_("An answer names an option that is not on your paper."))
        if rank in ("", None):
            continue
        rank = _as_int(rank)
        if not 1 <= rank <= len(option_ids):
            raise LearningError(_("Each step needs a number from 1 to %(count)s.") % {"count": len(option_ids)})
        ranks[str(_as_int(option_id))] = rank
    return ranks


def save_answers(
    official: "Official", attempt_id: int, data: object, now: datetime.datetime | None = None
) -> QuizAttempt:
    """Autosave: replace the saved answers of the named positions. Refused once time is up."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = own_attempt(official, attempt_id, lock=True)
        if not attempt.is_open:
            raise LearningError(_("This attempt has already been submitted."))
        if is_expired(attempt, now):
            raise LearningError(_("The time for this attempt is up; your answers saved before then will be graded."))
        attempt.answers = {**attempt.answers, **clean_answers(attempt.paper, data)}
        attempt.answers_saved_at = now
        attempt.save(update_fields=["answers", "answers_saved_at"])
    return attempt


def submit_attempt(
    official: "Official", attempt_id: int, data: object = None, now: datetime.datetime | None = None
) -> QuizAttempt:
    """Hand in the attempt (with last answers, if in time) and grade it. Submitting twice is harmless:
    the second call finds it graded and returns it."""
    now = now or timezone.now()
    with transaction.atomic():
        peek = own_attempt(official, attempt_id)
        # The attempt's own enrolment: it exists as long as the attempt does (a cascading key).
        enrollment = cast(Enrollment, Enrollment.objects.select_for_update().filter(pk=peek.enrollment_id).first())
        attempt = own_attempt(official, attempt_id, lock=True)
        if not attempt.is_open:
            return attempt
        # Before grading, which may complete the enrolment from a fresh copy of the row.
        record_activity(enrollment, now)
        expired = is_expired(attempt, now)
        if data and not expired:
            attempt.answers = {**attempt.answers, **clean_answers(attempt.paper, data)}
            attempt.answers_saved_at = now
        _finish(attempt, now, timed_out=expired)
    return attempt


def _finish(attempt: QuizAttempt, now: datetime.datetime, timed_out: bool = False) -> QuizAttempt:
    """Grade an open attempt (the caller holds its lock) and complete the course if it now qualifies."""
    credits, score = grading.grade_paper(attempt.paper, attempt.answers)
    attempt.submitted_at = min(now, attempt.deadline + GRACE) if timed_out and attempt.deadline else now
    attempt.timed_out = timed_out
    attempt.score = score
    attempt.passed = score >= attempt.pass_mark
    attempt.save(update_fields=["answers", "answers_saved_at", "submitted_at", "timed_out", "score", "passed"])
    # A question deleted from the bank since the paper was drawn is graded from the snapshot, with
    # no link to it (a dangling id would break the foreign key at commit).
    from content.models import Question

    still_there = set(
        Question.objects.filter(pk__in=[item["question"] for item in attempt.paper]).values_list("pk", flat=True)
    )
    AttemptAnswer.objects.bulk_create(
        AttemptAnswer(
            attempt=attempt,
            question_id=item["question"] if item["question"] in still_there else None,
            position=position,
            credit=credit,
            answered=grading.is_answered(item, attempt.answers.get(str(position))),
        )
        for position, (item, credit) in enumerate(zip(attempt.paper, credits, strict=True))
    )
    if attempt.passed:
        complete_if_satisfied(Enrollment.objects.select_related("course").get(pk=attempt.enrollment_id))
    return attempt


def close_expired_attempts(now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Grade attempts whose time ran out while nobody was looking (a closed tab, a lost line)."""
    now = now or timezone.now()
    closed = 0
    candidates = QuizAttempt.objects.filter(submitted_at__isnull=True, deadline__lt=now - GRACE).values_list(
        "pk", "enrollment_id"
    )[:batch]
    for attempt_id, enrollment_id in candidates:
        with transaction.atomic():
            Enrollment.objects.select_for_update().filter(pk=enrollment_id).first()
            attempt = QuizAttempt.objects.select_for_update().filter(pk=attempt_id, submitted_at__isnull=True).first()
            if attempt is not None and is_expired(attempt, now):
                _finish(attempt, now, timed_out=True)
                closed += 1
    return closed
