"""The trainer's statistics of a quiz: the numbers, the admin page, its exports, who may see them,
and a number of queries that does not grow with the attempts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from content.models import Question
from lms.learning import assessment, quiz_stats
from lms.learning.models import QuizAttempt
from lms.people import roles
from tests.factories import OfficialFactory, make_course
from tests.learning.quiz_helpers import (
    Kind,
    Scoring,
    enrolled,
    make_bank,
    make_question,
    make_quiz,
    quiz_with_bank,
    right_answer,
    wrong_answer,
)
from tests.support.people import member
from tests.support.queries import count_queries

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
SKIP = object()


@pytest.fixture
def quiz(course):
    """A final test (pass mark 70 %) drawing its whole bank: single, true/false, multiple, ordering."""
    return quiz_with_bank(course, 4)


@pytest.fixture
def bank(quiz, course):
    """The bank's questions by kind."""
    return {question.kind: question for question in Question.objects.filter(course=course)}


def answers_for(paper, plan):
    """Answers to ``paper`` following ``plan``: question id → True (right), False (wrong) or SKIP;
    a question missing from the plan is left unanswered too."""
    answers = {}
    for position, item in enumerate(paper):
        choice = plan.get(item["question"], SKIP)
        if choice is SKIP:
            continue
        answers[str(position)] = right_answer(item) if choice else wrong_answer(item)
    return answers


def sit(official, quiz, plan, now=T0, autosave_first=False):
    """A real attempt through ``assessment``: start, (autosave part,) submit; the paper's key says
    which options are right."""
    attempt = assessment.start_attempt(official, quiz, now=now)
    answers = answers_for(attempt.paper, plan)
    if autosave_first and answers:
        first = dict(list(answers.items())[:1])
        assessment.save_answers(official, attempt.pk, first, now=now)
        answers = dict(list(answers.items())[1:])
    return assessment.submit_attempt(official, attempt.pk, answers, now=now)


def learner(course):
    official = OfficialFactory()
    enrolled(official, course)
    return official


@pytest.fixture
def sittings(course, quiz, bank):
    """Five graded attempts by four officials, and one attempt still open:

    ========  ======  =====  ========  ========  =====
    attempt   single  t/f    multiple  ordering  score
    ========  ======  =====  ========  ========  =====
    A         right   right  right     right     100
    B         right   right  right     wrong      75
    C         right   right  —         —          50
    D1        —       —      —         —           0
    D2        right   wrong  wrong     wrong      25
    ========  ======  =====  ========  ========  =====
    """
    single, true_false, multiple, ordering = (
        bank[Kind.SINGLE].pk,
        bank[Kind.TRUE_FALSE].pk,
        bank[Kind.MULTIPLE].pk,
        bank[Kind.ORDERING].pk,
    )
    a, b, c, d = (learner(course) for _ in range(4))
    scores = [
        sit(a, quiz, {single: True, true_false: True, multiple: True, ordering: True}).score,
        sit(b, quiz, {single: True, true_false: True, multiple: True, ordering: False}, autosave_first=True).score,
        sit(c, quiz, {single: True, true_false: True}).score,
        sit(d, quiz, {}).score,
        sit(d, quiz, {single: True, true_false: False, multiple: False, ordering: False}).score,
    ]
    assert scores == [Decimal("100.00"), Decimal("75.00"), Decimal("50.00"), Decimal("0.00"), Decimal("25.00")]
    # Started and autosaved but never handed in: not counted anywhere.
    still_open = assessment.start_attempt(learner(course), quiz, now=T0)
    assessment.save_answers(still_open.enrollment.official, still_open.pk, answers_for(still_open.paper, {}), now=T0)
    return {"single": single, "true_false": true_false, "multiple": multiple, "ordering": ordering}


# The numbers --------------------------------------------------------------------------------------


def test_totals_count_only_submitted_attempts(quiz, sittings):
    stats = quiz_stats.quiz_statistics(quiz)
    assert (stats.attempts, stats.officials) == (5, 4)
    assert (stats.passed, stats.officials_passed) == (2, 2)
    assert stats.pass_rate == Decimal("40.0")
    assert stats.mean_score == Decimal("50.00")
    assert stats.median_score == Decimal("50.00")


def test_distribution_has_ten_buckets_with_a_perfect_score_in_the_last(quiz, sittings):
    stats = quiz_stats.quiz_statistics(quiz)
    assert [bucket.label for bucket in stats.buckets] == [
        "0–9",
        "10–19",
        "20–29",
        "30–39",
        "40–49",
        "50–59",
        "60–69",
        "70–79",
        "80–89",
        "90–100",
    ]
    assert [bucket.count for bucket in stats.buckets] == [1, 0, 1, 0, 0, 1, 0, 1, 0, 1]
    assert stats.buckets[0].share == Decimal("20.0") and stats.buckets[1].share == Decimal("0.0")


def test_questions_come_worst_first_with_their_shares(quiz, sittings):
    stats = quiz_stats.quiz_statistics(quiz)
    rows = [
        (q.question_id, q.drawn, q.correct, q.share_correct, q.mean_credit, q.unanswered, q.share_unanswered)
        for q in stats.questions
    ]
    assert rows == [
        (sittings["ordering"], 5, 1, Decimal("20.0"), Decimal("0.2000"), 2, Decimal("40.0")),
        (sittings["multiple"], 5, 2, Decimal("40.0"), Decimal("0.4000"), 2, Decimal("40.0")),
        (sittings["true_false"], 5, 3, Decimal("60.0"), Decimal("0.6000"), 1, Decimal("20.0")),
        (sittings["single"], 5, 4, Decimal("80.0"), Decimal("0.8000"), 1, Decimal("20.0")),
    ]
    assert stats.questions[-1].prompt == Question.objects.get(pk=sittings["single"]).prompt


def test_partial_credit_gives_the_mean_credit_and_an_even_median(course):
    make_bank(course, 1, kinds=[Kind.MULTIPLE], scoring=Scoring.PARTIAL)
    quiz = make_quiz(course, questions_per_attempt=1)
    question = Question.objects.get(course=course)
    sit(learner(course), quiz, {question.pk: True})
    half = assessment.start_attempt(learner(course), quiz, now=T0)
    item = half.paper[0]
    one_of_two = [item["key"][0]]  # one of the two right options, nothing wrong: half the credit
    assessment.submit_attempt(half.enrollment.official, half.pk, {"0": one_of_two}, now=T0)

    stats = quiz_stats.quiz_statistics(quiz)
    assert stats.median_score == Decimal("75.00")
    assert [bucket.count for bucket in stats.buckets] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    (row,) = stats.questions
    assert (row.correct, row.share_correct, row.mean_credit, row.unanswered) == (
        1,
        Decimal("50.0"),
        Decimal("0.7500"),
        0,
    )


def test_bucket_edges(course, quiz):
    """89.99 is still in 80–89; 90 and 100 are in the last bucket; 9.99 in the first, 10 in the second."""
    enrollment = enrolled(OfficialFactory(), course)
    for number, score in enumerate(["89.99", "90.00", "100.00", "9.99", "10.00"], start=1):
        QuizAttempt.objects.create(
            enrollment=enrollment,
            quiz=quiz,
            quiz_title=quiz.title,
            number=number,
            submitted_at=T0,
            score=Decimal(score),
            pass_mark=70,
            passed=Decimal(score) >= 70,
        )
    counts = [bucket.count for bucket in quiz_stats.quiz_statistics(quiz).buckets]
    assert counts == [1, 1, 0, 0, 0, 0, 0, 0, 1, 2]


def test_a_deleted_question_is_labelled_and_comes_last(quiz, sittings):
    Question.objects.filter(pk=sittings["ordering"]).delete()
    stats = quiz_stats.quiz_statistics(quiz)
    last = stats.questions[-1]
    assert last.deleted and last.question_id is None and last.drawn == 5
    with translation.override("en"):
        assert last.label == "(deleted question)"
    assert [q.question_id for q in stats.questions[:-1]] == [
        sittings["multiple"],
        sittings["true_false"],
        sittings["single"],
    ]


def test_a_quiz_without_attempts(quiz):
    stats = quiz_stats.quiz_statistics(quiz)
    assert (stats.attempts, stats.pass_rate, stats.mean_score, stats.median_score) == (0, None, None, None)
    assert [bucket.count for bucket in stats.buckets] == [0] * 10 and stats.questions == []


def test_other_quizzes_do_not_count(course, quiz, sittings):
    practice = make_quiz(course, title="Luyện tập", kind="practice", questions_per_attempt=4)
    sit(learner(course), practice, {sittings["single"]: True})
    assert quiz_stats.quiz_statistics(quiz).attempts == 5
    assert quiz_stats.quiz_statistics(practice).attempts == 1


# Queries ------------------------------------------------------------------------------------------


def _service_queries(quiz):
    with CaptureQueriesContext(connection) as queries:
        quiz_stats.quiz_statistics(quiz)
    return len(queries)


def test_queries_do_not_grow_with_attempts_or_questions(client, catalogue, role_groups):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    service, view = [], []
    for attempts, bank_size in ((2, 4), (30, 12)):
        course = make_course(catalogue, f"Khóa {attempts}", lessons=1)
        quiz = quiz_with_bank(course, bank_size, max_attempts=0)
        questions = list(Question.objects.filter(course=course).values_list("pk", flat=True))
        for number in range(attempts):
            plan = {pk: (number + index) % 3 == 0 or SKIP for index, pk in enumerate(questions)}
            sit(learner(course), quiz, plan)
        assert quiz_stats.quiz_statistics(quiz).attempts == attempts
        service.append(_service_queries(quiz))
        view.append(count_queries(client, stats_url(quiz)))
    print(f"quiz statistics: service {service}, admin page {view} queries")
    assert service == [3, 3]
    assert view == [15, 15], view  # README: "The page makes the same 15 queries"


# Admin page and permissions ---------------------------------------------------------------------------


def stats_url(quiz):
    return reverse("learning_quiz_stats:index", args=[quiz.pk])


def test_the_trainer_reads_the_statistics(client, role_groups, quiz, sittings):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    response = client.get(stats_url(quiz))
    assert response.status_code == 200
    html = response.content.decode()
    assert Question.objects.get(pk=sittings["ordering"]).prompt in html
    assert "<caption>" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "width: 20.0%" in html  # the bars are sized with a dot, whatever the language
    assert reverse("learning_quiz_stats:export_csv", args=[quiz.pk]) in html
    assert reverse("learning_quiz_stats:export_xlsx", args=[quiz.pk]) in html


def test_statistics_of_a_quiz_without_attempts(client, role_groups, quiz):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    assert client.get(stats_url(quiz)).status_code == 200


@pytest.mark.parametrize("name", ["index", "export_csv", "export_xlsx"])
def test_anonymous_visitors_are_sent_to_log_in(client, quiz, name):
    response = client.get(reverse(f"learning_quiz_stats:{name}", args=[quiz.pk]))
    assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"]


def test_officials_are_refused(client, role_groups, quiz):
    official = OfficialFactory()
    official.user.groups.add(role_groups[roles.OFFICIAL])
    client.force_login(official.user)
    for name in ("index", "export_csv", "export_xlsx"):
        response = client.get(reverse(f"learning_quiz_stats:{name}", args=[quiz.pk]))
        assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"]


def test_hr_cannot_read_a_quiz_it_cannot_edit(client, role_groups, quiz, sittings):
    client.force_login(member(role_groups, roles.HR, username="tc"))
    for name in ("index", "export_csv", "export_xlsx"):
        response = client.get(reverse(f"learning_quiz_stats:{name}", args=[quiz.pk]))
        # The admin turns PermissionDenied into its "no permission" redirect.
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def test_the_view_raises_permission_denied_for_an_ajax_request(client, role_groups, quiz):
    client.force_login(member(role_groups, roles.HR, username="tc"))
    response = client.get(stats_url(quiz), headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 403


def test_a_page_that_is_not_a_quiz_is_404(client, role_groups, course):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    assert client.get(reverse("learning_quiz_stats:index", args=[course.pk])).status_code == 404
    assert client.get(reverse("learning_quiz_stats:export_csv", args=[course.pk])).status_code == 404
    assert client.get(reverse("learning_quiz_stats:index", args=[987654])).status_code == 404


# Link from the page in the admin ------------------------------------------------------------------


def test_the_quiz_edit_page_links_to_its_statistics(client, role_groups, course, quiz):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    html = client.get(reverse("wagtailadmin_pages:edit", args=[quiz.pk])).content.decode()
    assert stats_url(quiz) in html
    lesson = course.lessons().first()
    html = client.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])).content.decode()
    assert "/admin/quiz-stats/" not in html


def test_the_course_listing_links_to_the_quiz_statistics(client, role_groups, course, quiz):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    response = client.get(reverse("wagtailadmin_explore", args=[course.pk]))
    assert response.status_code == 200
    assert stats_url(quiz) in response.content.decode()


def test_the_link_needs_the_right_to_edit(role_groups, quiz):
    from wagtail.admin.ui.menus.pages import get_page_header_buttons

    hr = member(role_groups, roles.HR, username="tc")
    trainer = member(role_groups, roles.TRAINER, username="gv")

    def urls(user):
        return [button.url for button in get_page_header_buttons(quiz, user, None, "edit")]

    assert stats_url(quiz) in urls(trainer)
    assert stats_url(quiz) not in urls(hr)


# Exports ------------------------------------------------------------------------------------------


def test_csv_export_has_the_summary_and_the_questions(client, role_groups, quiz, sittings):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    response = client.get(reverse("learning_quiz_stats:export_csv", args=[quiz.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    with translation.override("vi"):  # the admin speaks the site's language to this user
        summary = quiz_stats.summary_rows(quiz_stats.quiz_statistics(quiz))
        header = quiz_stats.question_header()
    assert [[str(label), str(value)] for label, value in summary] == rows[1 : 1 + len(summary)]
    assert [str(value) for _label, value in summary][2:6] == ["5", "4", "2", "40.0"]
    start = rows.index(header)
    questions = rows[start + 1 :]
    assert [row[1:] for row in questions] == [
        ["5", "1", "20.0", "0.2000", "2", "40.0"],
        ["5", "2", "40.0", "0.4000", "2", "40.0"],
        ["5", "3", "60.0", "0.6000", "1", "20.0"],
        ["5", "4", "80.0", "0.8000", "1", "20.0"],
    ]
    assert questions[0][0] == Question.objects.get(pk=sittings["ordering"]).prompt


def test_csv_export_neutralises_a_formula_looking_prompt(client, role_groups, course):
    formula = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    make_question(course, Kind.SINGLE, prompt=formula)
    quiz = make_quiz(course, questions_per_attempt=1)
    sit(learner(course), quiz, {})
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    text = client.get(reverse("learning_quiz_stats:export_csv", args=[quiz.pk])).content.decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert "'" + formula in cells
    assert formula not in cells


def test_xlsx_export_has_three_sheets_and_no_formula(client, role_groups, course):
    formula = "=1+2"
    make_question(course, Kind.SINGLE, prompt=formula)
    quiz = make_quiz(course, questions_per_attempt=1)
    sit(learner(course), quiz, {Question.objects.get(course=course).pk: True})
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    response = client.get(reverse("learning_quiz_stats:export_xlsx", args=[quiz.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 3
    questions = workbook.worksheets[2]
    row = [cell.value for cell in questions[2]]
    assert row[0] == "'" + formula and questions["A2"].data_type == "s"
    assert row[1:4] == [1, 1, 100]
    distribution = workbook.worksheets[1]
    assert [cell.value for cell in distribution[11]][:2] == ["90–100", 1]
