"""The trainer's statistics of a quiz: how the submitted attempts scored, and which questions of the
bank trip officials up.

Everything is counted in SQL, in a fixed number of queries whatever the number of attempts and
questions: one aggregate over the attempts (totals and the score distribution), one to read the
median, and one grouping the graded answers by question. Open attempts do not count.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from lms.core import spreadsheets

from .models import AttemptAnswer, QuizAttempt

BUCKETS = 10  # 0–9, 10–19, …, 80–89, then 90–100 (a perfect score joins the last bucket)
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
FOUR_DECIMALS = Decimal("0.0001")


def _percent(part, whole):
    """``part`` as a percentage of ``whole`` with one decimal, or None when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _decimal(value, places):
    # Averages come back as Decimal or float depending on the database: normalise both.
    return None if value is None else Decimal(str(value)).quantize(places, ROUND_HALF_UP)


@dataclass(frozen=True)
class Bucket:
    low: int
    high: int
    count: int
    share: Decimal | None  # percentage of the graded attempts

    @property
    def label(self):
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class QuestionStats:
    """One question of the bank as drawn into submitted papers. ``question_id`` is None for the
    questions deleted from the bank since: their answers are counted together."""

    question_id: int | None
    prompt: str
    drawn: int
    correct: int
    unanswered: int
    mean_credit: Decimal  # 0–1
    share_correct: Decimal  # percentages of ``drawn``
    share_unanswered: Decimal

    @property
    def deleted(self):
        return self.question_id is None

    @property
    def label(self):
        return _("(deleted question)") if self.deleted else self.prompt


@dataclass(frozen=True)
class QuizStatistics:
    quiz: object
    attempts: int
    officials: int
    passed: int
    officials_passed: int
    pass_rate: Decimal | None  # percentage of attempts that passed
    mean_score: Decimal | None
    median_score: Decimal | None
    buckets: list
    questions: list  # worst first

    @property
    def has_attempts(self):
        return self.attempts > 0


def _bucket_filter(index):
    low = index * 10
    if index == BUCKETS - 1:
        return Q(score__gte=low)
    return Q(score__gte=low, score__lt=low + 10)


def submitted_attempts(quiz):
    return QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=False, score__isnull=False)


def _median(attempts, count):
    """The middle score (or the mean of the two middle ones), reading at most two rows."""
    if not count:
        return None
    middle = list(attempts.order_by("score").values_list("score", flat=True)[(count - 1) // 2 : count // 2 + 1])
    return _decimal(sum(Decimal(str(score)) for score in middle) / len(middle), TWO_DECIMALS)


def _question_rows(quiz):
    rows = (
        AttemptAnswer.objects.filter(
            attempt__quiz=quiz, attempt__submitted_at__isnull=False, attempt__score__isnull=False
        )
        .values("question_id", "question__prompt")
        .annotate(
            drawn=Count("pk"),
            correct=Count("pk", filter=Q(credit__gte=1)),
            unanswered=Count("pk", filter=Q(answered=False)),
            credit_sum=Sum("credit"),
        )
        .order_by()
    )
    questions = [
        QuestionStats(
            question_id=row["question_id"],
            prompt=row["question__prompt"] or "",
            drawn=row["drawn"],
            correct=row["correct"],
            unanswered=row["unanswered"],
            mean_credit=_decimal(Decimal(str(row["credit_sum"] or 0)) / row["drawn"], FOUR_DECIMALS),
            share_correct=_percent(row["correct"], row["drawn"]),
            share_unanswered=_percent(row["unanswered"], row["drawn"]),
        )
        for row in rows
    ]
    # Worst first: fewest right, then least credit, then most often skipped. Deleted questions
    # cannot be fixed any more, so they come last.
    questions.sort(
        key=lambda q: (q.deleted, q.correct / q.drawn, q.mean_credit, -q.unanswered / q.drawn, q.question_id or 0)
    )
    return questions


def quiz_statistics(quiz):
    """The statistics of ``quiz`` over its submitted attempts, in three queries."""
    attempts = submitted_attempts(quiz)
    totals = attempts.aggregate(
        # Aliases must not shadow the fields they filter on (``passed``).
        n_attempts=Count("pk"),
        n_officials=Count("enrollment__official", distinct=True),
        n_passed=Count("pk", filter=Q(passed=True)),
        n_officials_passed=Count("enrollment__official", distinct=True, filter=Q(passed=True)),
        score_sum=Sum("score"),
        **{f"bucket_{index}": Count("pk", filter=_bucket_filter(index)) for index in range(BUCKETS)},
    )
    count = totals["n_attempts"]
    mean = Decimal(str(totals["score_sum"])) / count if count else None
    return QuizStatistics(
        quiz=quiz,
        attempts=count,
        officials=totals["n_officials"],
        passed=totals["n_passed"],
        officials_passed=totals["n_officials_passed"],
        pass_rate=_percent(totals["n_passed"], count),
        mean_score=_decimal(mean, TWO_DECIMALS),
        median_score=_median(attempts, count),
        buckets=[
            Bucket(
                low=index * 10,
                high=100 if index == BUCKETS - 1 else index * 10 + 9,
                count=totals[f"bucket_{index}"],
                share=_percent(totals[f"bucket_{index}"], count),
            )
            for index in range(BUCKETS)
        ],
        questions=_question_rows(quiz),
    )


# Exports ------------------------------------------------------------------------------------------


def _blank(value):
    return "" if value is None else value


def summary_rows(stats):
    """(label, value) pairs of the summary, with translated labels."""
    return [
        (_("Quiz"), stats.quiz.title),
        (_("Pass mark (%)"), stats.quiz.pass_mark),
        (_("Graded attempts"), stats.attempts),
        (_("Officials"), stats.officials),
        (_("Passed attempts"), stats.passed),
        (_("Pass rate (%)"), _blank(stats.pass_rate)),
        (_("Officials who passed"), stats.officials_passed),
        (_("Mean score (%)"), _blank(stats.mean_score)),
        (_("Median score (%)"), _blank(stats.median_score)),
    ]


def distribution_header():
    return [_("Score (%)"), _("Attempts"), _("Share of attempts (%)")]


def distribution_rows(stats):
    return [[bucket.label, bucket.count, _blank(bucket.share)] for bucket in stats.buckets]


def question_header():
    return [
        _("Question"),
        _("Times drawn"),
        _("Answered correctly"),
        _("Answered correctly (%)"),
        _("Mean credit (0–1)"),
        _("Left unanswered"),
        _("Left unanswered (%)"),
    ]


def question_rows(stats):
    return [
        [
            q.label,
            q.drawn,
            q.correct,
            q.share_correct,
            q.mean_credit,
            q.unanswered,
            q.share_unanswered,
        ]
        for q in stats.questions
    ]


def _tables(stats):
    return (
        spreadsheets.Table(_("Summary"), [_("Summary"), ""], summary_rows(stats), widths={"A": 28, "B": 40}),
        spreadsheets.Table(_("Score distribution"), distribution_header(), distribution_rows(stats)),
        spreadsheets.Table(_("Questions"), question_header(), question_rows(stats), widths={"A": 60}),
    )


def csv_bytes(stats):
    """The summary, the score distribution and the questions (worst first), one block after the
    other; UTF-8 with a BOM so that Excel shows the Vietnamese correctly."""
    return spreadsheets.csv_bytes(*_tables(stats))


def xlsx_bytes(stats):
    """Three sheets: the summary, the score distribution, the questions (worst first)."""
    return spreadsheets.xlsx_bytes(*_tables(stats))
