"""The official's quiz pages over HTTP, seen from the outside with the test client: what an open
attempt shows and hides, the review modes, autosave, whose attempt is whose, the rules on starting,
handing in late, and how the final test fits into the course page.

Nothing here reads interface sentences (they are being translated) or leans on CSS classes: the
assertions are on status codes, redirect targets, message levels, the database, JSON keys, element
ids, form field names and values, and text the tests wrote themselves (explanations, option texts,
alt texts) or data (dates shown dd/mm/yyyy).
"""

import datetime
import io
import re
from itertools import cycle

import pytest
from bs4 import BeautifulSoup
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.images import ImageFile
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from content.models import QuizPage
from lms.learning import assessment, grading, services
from lms.learning.assessment import GRACE
from lms.learning.models import AttemptAnswer, Enrollment, QuizAttempt
from tests.factories import OfficialFactory, UserFactory, lessons_of, make_course
from tests.learning.quiz_helpers import (
    SAMPLE_QUESTIONS,
    Kind,
    as_form_data,
    correct_answers,
    enrolled,
    make_question,
    make_quiz,
    mixed_answers,
    wrong_answers,
)
from tests.support.queries import count_queries

JSON = {"Accept": "application/json"}
KINDS = list(SAMPLE_QUESTIONS)  # single, true/false, multiple, ordering


def explanation(number):
    """A distinctive explanation for question ``number`` (zero-padded: no one is part of another)."""
    return f"Giải thích câu {number:02d}: xem Điều {number} Nghị định 130/2018/NĐ-CP."


def explained_quiz(course, size=4, **quiz_fields):
    """A quiz drawing its whole bank of ``size`` questions (the four types in turn), each question
    with its own explanation. Quiz fields default to the model's (review "full", 3 attempts…)."""
    for number, kind in zip(range(1, size + 1), cycle(KINDS), strict=False):
        make_question(
            course, kind, prompt=f"Câu {number}: {SAMPLE_QUESTIONS[kind][0]}", explanation=explanation(number)
        )
    quiz_fields.setdefault("questions_per_attempt", size)
    return make_quiz(course, **quiz_fields)


def explanations_of(paper):
    return [item["explanation"] for item in paper]


# URLs and requests ----------------------------------------------------------------------------


def start_url(quiz):
    return reverse("learning:quiz_start", args=[quiz.pk])


def attempt_url(attempt):
    return reverse("learning:attempt", args=[attempt.pk])


def save_url(attempt):
    return reverse("learning:attempt_save", args=[attempt.pk])


def submit_url(attempt):
    return reverse("learning:attempt_submit", args=[attempt.pk])


def start(client, quiz):
    """POST the start button; it must lead to an attempt page. Returns that attempt."""
    response = client.post(start_url(quiz))
    assert response.status_code == 302
    match = resolve(response["Location"])
    assert match.view_name == "learning:attempt", response["Location"]
    return QuizAttempt.objects.get(pk=match.kwargs["attempt_id"])


def submit(client, attempt, answers):
    response = client.post(submit_url(attempt), as_form_data(answers, attempt.paper))
    assert response.status_code == 302 and response["Location"] == attempt_url(attempt)
    attempt.refresh_from_db()
    return attempt


def sit(client, quiz, answers=correct_answers):
    """Start an attempt over HTTP and hand it in with ``answers(paper)``."""
    attempt = start(client, quiz)
    return submit(client, attempt, answers(attempt.paper))


def message_levels(response):
    return [message.level for message in get_messages(response.wsgi_request)]


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def stored(attempt):
    """The attempt as the database has it now (answers, times, grading)."""
    return QuizAttempt.objects.get(pk=attempt.pk)


def has_start_form(page, quiz):
    return page.find("form", action=start_url(quiz)) is not None


@pytest.fixture
def clock(monkeypatch):
    """Server time under the test's control: every ``timezone.now()`` returns ``clock.now``."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += datetime.timedelta(**delta)

    moving = Clock()
    monkeypatch.setattr(timezone, "now", lambda: moving.now)
    return moving


@pytest.fixture
def learner(official, course):
    enrolled(official, course)
    return official


@pytest.fixture
def quiz(course):
    """The required final test of ``course``: four questions, one of each type, review "full"."""
    return explained_quiz(course)


# 1. The answer key stays on the server until grading ---------------------------------------------
#
# The markup of the pages is being reworked, so options are found by what the form needs (field
# names and values) and by their text, never by CSS classes: an option's "wrapper" is the largest
# element around it that holds none of the question's other options.

SUSPECT_WORDS = ("correct", "key", "explanation", "solution")


def controls_of(form, position):
    """The answer controls of question ``position``: radios or checkboxes named q<position>, or
    one select per step named q<position>-<option id>."""
    boxes = form.find_all("input", attrs={"name": f"q{position}"})
    selects = form.find_all("select", attrs={"name": re.compile(rf"^q{position}-\d+$")})
    return boxes + selects


def option_id_of(control, position):
    if control.name == "input":
        return int(control["value"])
    return int(control["name"].removeprefix(f"q{position}-"))


def wrapper(node, others):
    """The largest element around ``node`` that contains none of ``others`` but ``node`` itself
    (all compared by identity)."""
    others = [other for other in others if other is not node]
    element = node
    while element.parent is not None and not any(
        any(ancestor is element.parent for ancestor in other.parents) for other in others
    ):
        element = element.parent
    return element


def shape(element, own_id, own_text):
    """The markup of one option with its own id and text blanked out: tags, attributes and the
    other text. Two options the page treats alike have the same shape."""
    own = {f"{own_id}", f"o{own_id}"}
    result = []
    for tag in [element, *element.find_all(True)]:
        attrs = []
        for name, value in sorted(tag.attrs.items()):
            value = " ".join(value) if isinstance(value, list) else value
            head, _sep, tail = value.rpartition("-")
            if value == str(own_id) and name == "value" and tag.name == "input":
                value = "OWN"
            elif head and tail in own:
                value = f"{head}-OWN"
            attrs.append((name, value))
        result.append((tag.name, attrs))
    texts = [text.strip() for text in element.find_all(string=True) if text.strip() and text.strip() != own_text]
    return result, texts


def test_open_attempt_page_shows_no_key_and_no_explanation(learner_client, learner, quiz):
    attempt = start(learner_client, quiz)
    response = learner_client.get(attempt_url(attempt))
    html = response.content.decode()
    page = soup(response)

    for text in explanations_of(attempt.paper):
        assert text not in html
    assert '"key"' not in html and "is_correct" not in html
    form = page.find("form", id="attempt-form")
    assert form is not None and form["action"] == submit_url(attempt)
    assert form["data-save-url"] == save_url(attempt)
    for tag in form.find_all(True):
        if tag.get("name") == "csrfmiddlewaretoken":
            continue  # a random token could spell anything
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            assert not any(word in f"{name}={value}".lower() for word in SUSPECT_WORDS), (tag.name, name, value)
    assert not form.find_all(attrs={"checked": True}) and not form.find_all("option", selected=True)

    kinds_seen = set()
    for position, item in enumerate(attempt.paper):
        options = {option["id"]: option for option in item["options"]}
        controls = controls_of(form, position)
        shown = [option_id_of(control, position) for control in controls]
        assert sorted(shown) == sorted(options), "every option of the paper is on the form, once"
        shapes = [
            shape(wrapper(control, controls), oid, options[oid]["text"])
            for control, oid in zip(controls, shown, strict=True)
        ]
        assert len(shapes) >= 2 and all(one == shapes[0] for one in shapes), f"question {position} tells options apart"
        kinds_seen.add(item["kind"])
    assert kinds_seen == set(KINDS)

    quiz_page = learner_client.get(quiz.url).content.decode()
    assert not any(text in quiz_page for text in explanations_of(attempt.paper))


def test_field_names_of_an_ordering_question_do_not_give_the_order_away(learner_client, learner, course):
    # Trainers enter the steps in order, so their database ids ascend in the right order: the form
    # must not name the steps by them.
    question = make_question(course, Kind.ORDERING, [(f"Bước {n}", True) for n in range(1, 7)])
    quiz = make_quiz(course, questions_per_attempt=1)
    attempt = start(learner_client, quiz)
    form = soup(learner_client.get(attempt_url(attempt))).find("form", id="attempt-form")
    ids = [option_id_of(control, 0) for control in controls_of(form, 0)]
    assert len(ids) == 6
    assert set(ids).isdisjoint(question.options.values_list("pk", flat=True))


def appear_in_order(texts, html):
    places = [html.find(text) for text in texts]
    return -1 not in places and places == sorted(places)


@pytest.mark.parametrize(
    "review, shown_after_failing, shown_after_passing",
    [
        (QuizPage.Review.FULL, True, True),
        (QuizPage.Review.SCORE_ONLY, False, False),
        (QuizPage.Review.AFTER_PASSING, False, True),
    ],
)
def test_review_shows_explanations_only_as_the_quiz_allows(
    learner_client, learner, course, review, shown_after_failing, shown_after_passing
):
    quiz = explained_quiz(course, review=review)
    failed = sit(learner_client, quiz, wrong_answers)
    passed = sit(learner_client, quiz, correct_answers)
    assert (failed.passed, passed.passed) == (False, True)

    for attempt, expected in ((failed, shown_after_failing), (passed, shown_after_passing)):
        response = learner_client.get(attempt_url(attempt))
        html = response.content.decode()
        assert soup(response).find("form", id="attempt-form") is None
        texts = explanations_of(attempt.paper)
        if expected:
            assert appear_in_order(texts, html), "every explanation, in the order of the paper"
        else:
            assert not any(text in html for text in texts)

    if review == QuizPage.Review.SCORE_ONLY:  # "never": not even the failed attempt, once passed
        html = learner_client.get(attempt_url(failed)).content.decode()
        assert not any(text in html for text in explanations_of(failed.paper))


def test_full_review_marks_the_correct_options_apart(learner_client, learner, course):
    """After grading, the review treats alike exactly the options that are alike: chosen or not,
    correct or not. Option texts are made unique on the page so that each can be found by text."""
    make_question(course, Kind.SINGLE, [("Phương án S1", False), ("Phương án S2", True), ("Phương án S3", False)])
    make_question(
        course,
        Kind.MULTIPLE,
        [("Phương án M1", True), ("Phương án M2", False), ("Phương án M3", True), ("Phương án M4", False)],
    )
    make_question(course, Kind.TRUE_FALSE, [("Phương án T1", True), ("Phương án T2", False)])
    quiz = make_quiz(course, questions_per_attempt=3)
    attempt = sit(learner_client, quiz, wrong_answers)
    page = soup(learner_client.get(attempt_url(attempt)))

    for position, item in enumerate(attempt.paper):
        chosen = set(attempt.answers[str(position)])
        nodes = []
        for option in item["options"]:
            (node,) = page.find_all(string=lambda text, option=option: text.strip() == option["text"])
            nodes.append(node)
        groups = {}
        for option, node in zip(item["options"], nodes, strict=True):
            group = (option["id"] in chosen, option["id"] in item["key"])
            groups.setdefault(group, []).append(repr(shape(wrapper(node, nodes), option["id"], option["text"])))
        assert (False, True) in groups and (True, False) in groups, groups.keys()
        assert all(len(set(shapes)) == 1 for shapes in groups.values()), f"question {position}: alike options differ"
        assert len({shapes[0] for shapes in groups.values()}) == len(groups), f"question {position}: not told apart"


# 2. Queries do not grow with the number of questions ----------------------------------------------


SCREENSHOT_ALT = "Màn hình phần mềm quản lý văn bản"


def tiny_image(title):
    buffer = io.BytesIO()
    PILImage.new("RGB", (16, 12), (0, 90, 160)).save(buffer, "PNG")
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


def quiz_of_size(catalogue, size):
    """A course whose final test draws ``size`` questions; every other one has its own screenshot."""
    course = make_course(catalogue, f"Khóa {size} câu", lessons=1)
    for number, kind in zip(range(1, size + 1), cycle(KINDS), strict=False):
        image = tiny_image(f"man-hinh-{size}-{number}") if number % 2 else None
        make_question(
            course,
            kind,
            prompt=f"Câu {number}",
            explanation=explanation(number),
            image=image,
            image_alt=SCREENSHOT_ALT if image else "",
        )
    return make_quiz(course, questions_per_attempt=size, max_attempts=0)


# The queries of each page, the same with 5 or 30 questions (README, "Query counts are part of the contract").
QUERY_BUDGETS = {"quiz": 21, "attempt": 14, "review": 17}  # the header's bell included


@pytest.mark.parametrize("page", ["quiz", "attempt", "review"])
def test_quiz_pages_are_flat_in_the_number_of_questions(client, catalogue, page):
    """5 or 30 questions (half of them with a screenshot), and 1 or 3 attempts already handed in."""
    counts = []
    for size, handed_in in ((5, 1), (30, 3)):
        quiz = quiz_of_size(catalogue, size)
        official = OfficialFactory()
        enrolled(official, quiz.get_parent().specific)
        client.force_login(official.user)
        for _ in range(handed_in):
            earlier = assessment.start_attempt(official, quiz)
            assessment.submit_attempt(official, earlier.pk, mixed_answers(earlier.paper, 2))
        attempt = assessment.start_attempt(official, quiz)
        assessment.save_answers(official, attempt.pk, mixed_answers(attempt.paper, size // 2))
        if page == "review":
            assessment.submit_attempt(official, attempt.pk)
        url = quiz.url if page == "quiz" else attempt_url(attempt)
        counts.append(count_queries(client, url))

        response = client.get(url)
        shown = soup(response)
        if page == "quiz":
            assert shown.find("a", href=attempt_url(attempt)) is not None
            continue
        screenshots = shown.find_all("img", alt=SCREENSHOT_ALT)
        assert len(screenshots) == (size + 1) // 2 and all(img["src"] for img in screenshots)
        if page == "attempt":
            form = shown.find("form", id="attempt-form")
            assert all(controls_of(form, position) for position in range(size))
            assert not controls_of(form, size)
        else:
            assert appear_in_order(explanations_of(attempt.paper), response.content.decode())
    assert counts == [QUERY_BUDGETS[page]] * 2, counts


# 3. Autosave ----------------------------------------------------------------------------------------


def assert_page_shows(client, attempt, answers):
    """The open attempt page has exactly ``answers`` ticked / ranked, and nothing else."""
    form = soup(client.get(attempt_url(attempt))).find("form", id="attempt-form")
    for position, item in enumerate(attempt.paper):
        answer = answers.get(str(position))
        if item["kind"] == Kind.ORDERING:
            for option in item["options"]:
                select = form.find("select", attrs={"name": f"q{position}-{option['id']}"})
                chosen = [o["value"] for o in select.find_all("option", selected=True)]
                rank = (answer or {}).get(str(option["id"]))
                assert chosen == ([str(rank)] if rank else []), (position, option)
        else:
            ticked = {
                box["value"]
                for box in form.find_all("input", attrs={"name": f"q{position}"})
                if box.has_attr("checked")
            }
            assert ticked == {str(oid) for oid in answer or []}, position


def test_autosave_answers_in_json_and_the_page_shows_them(learner_client, learner, quiz):
    attempt = start(learner_client, quiz)
    answers = correct_answers(attempt.paper)

    response = learner_client.post(save_url(attempt), as_form_data(answers, attempt.paper), headers=JSON)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["saved"] is True and body["saved_at"]
    saved = stored(attempt)
    assert saved.answers == answers and saved.answers_saved_at is not None and saved.is_open
    assert_page_shows(learner_client, attempt, answers)

    # A question shown on the form with no box ticked any more is cleared; the others are kept.
    cleared = str(next(p for p, item in enumerate(attempt.paper) if item["kind"] == Kind.MULTIPLE))
    data = as_form_data({key: value for key, value in answers.items() if key != cleared}, attempt.paper)
    assert learner_client.post(save_url(attempt), data, headers=JSON).json()["saved"] is True
    assert stored(attempt).answers == {**answers, cleared: []}


def forged(paper, how):
    """Form data for a valid-looking save with one thing on it that is not on the paper."""
    data = as_form_data(wrong_answers(paper), paper)
    choice = next(p for p, item in enumerate(paper) if item["kind"] in (Kind.SINGLE, Kind.MULTIPLE))
    ordering = next(p for p, item in enumerate(paper) if item["kind"] == Kind.ORDERING)
    if how == "option of another question":
        data[f"q{choice}"] = [str(paper[ordering]["options"][0]["id"])]
    elif how == "unknown option":
        data[f"q{choice}"] = ["987654321"]
    elif how == "unknown step":
        data[f"q{ordering}-987654321"] = "1"
    elif how == "position not on the paper":
        data[f"q{len(paper)}"] = [str(paper[choice]["options"][0]["id"])]
    elif how == "listed position not on the paper":
        data["positions"] = [*data["positions"], "250"]
    elif how == "not a number":
        data[f"q{choice}"] = ["abc"]
    return data


FORGERIES = [
    "option of another question",
    "unknown option",
    "unknown step",
    "position not on the paper",
    "listed position not on the paper",
    "not a number",
]


@pytest.mark.parametrize("how", FORGERIES)
def test_autosave_refuses_what_is_not_on_the_paper_and_keeps_the_answers(learner_client, learner, quiz, how):
    attempt = start(learner_client, quiz)
    answers = correct_answers(attempt.paper)
    learner_client.post(save_url(attempt), as_form_data(answers, attempt.paper), headers=JSON)
    before = stored(attempt)

    response = learner_client.post(save_url(attempt), forged(attempt.paper, how), headers=JSON)

    assert response.status_code == 400
    body = response.json()
    assert body["saved"] is False and isinstance(body["error"], str) and body["error"].strip()
    after = stored(attempt)
    assert (after.answers, after.answers_saved_at) == (answers, before.answers_saved_at)
    assert after.is_open


def test_form_save_without_json_redirects_back_with_a_message(learner_client, learner, quiz):
    attempt = start(learner_client, quiz)
    answers = mixed_answers(attempt.paper, 2)

    response = learner_client.post(save_url(attempt), as_form_data(answers, attempt.paper))
    assert response.status_code == 302 and response["Location"] == attempt_url(attempt)
    assert message_levels(response) == [messages.SUCCESS]
    assert stored(attempt).answers == answers
    assert_page_shows(learner_client, attempt, answers)  # and the message is shown there

    response = learner_client.post(save_url(attempt), forged(attempt.paper, "unknown option"))
    assert response.status_code == 302 and response["Location"] == attempt_url(attempt)
    assert message_levels(response) == [messages.ERROR]
    assert stored(attempt).answers == answers
    assert_page_shows(learner_client, attempt, answers)


# 4. Whose attempt, who may ask, and how --------------------------------------------------------------


def test_another_officials_attempt_cannot_be_seen_saved_or_handed_in(client, learner, course, quiz):
    client.force_login(learner.user)
    attempt = start(client, quiz)
    answers = mixed_answers(attempt.paper, 1)
    client.post(save_url(attempt), as_form_data(answers, attempt.paper), headers=JSON)
    before = stored(attempt)

    intruder = OfficialFactory()
    enrolled(intruder, course)
    client.force_login(intruder.user)
    theirs = correct_answers(attempt.paper)

    assert client.get(attempt_url(attempt)).status_code == 404
    response = client.post(save_url(attempt), as_form_data(theirs, attempt.paper), headers=JSON)
    assert response.status_code == 400 and response.json()["saved"] is False
    response = client.post(save_url(attempt), as_form_data(theirs, attempt.paper))
    assert response.status_code == 302 and message_levels(response) == [messages.ERROR]
    response = client.post(submit_url(attempt), as_form_data(theirs, attempt.paper))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 404

    after = stored(attempt)
    assert after.is_open and after.score is None and not after.passed
    assert (after.answers, after.answers_saved_at) == (answers, before.answers_saved_at)
    assert not AttemptAnswer.objects.exists()
    assert not QuizAttempt.objects.filter(enrollment__official=intruder).exists()

    client.force_login(learner.user)  # once graded, still the owner's alone
    submit(client, attempt, answers)
    client.force_login(intruder.user)
    assert client.get(attempt_url(attempt)).status_code == 404


def test_an_account_without_an_official_profile_gets_no_attempt(client, learner, quiz):
    attempt = assessment.start_attempt(learner, quiz)
    client.force_login(UserFactory(username="khach-khong-ho-so"))
    assert client.get(attempt_url(attempt)).status_code == 404
    response = client.post(start_url(quiz))
    assert response.status_code == 302 and response["Location"] == quiz.url
    assert message_levels(response) == [messages.ERROR]
    response = client.post(save_url(attempt), as_form_data(correct_answers(attempt.paper), attempt.paper), headers=JSON)
    assert response.status_code == 400 and response.json()["saved"] is False
    assert QuizAttempt.objects.count() == 1 and stored(attempt).answers == {}


@pytest.mark.parametrize(
    "method, name",
    [("get", "attempt"), ("post", "quiz_start"), ("post", "attempt_save"), ("post", "attempt_submit")],
)
def test_anonymous_visitors_are_sent_to_log_in(client, learner, quiz, method, name):
    attempt = assessment.start_attempt(learner, quiz)
    target = quiz if name == "quiz_start" else attempt
    url = reverse(f"learning:{name}", args=[target.pk])
    data = as_form_data(correct_answers(attempt.paper), attempt.paper) if method == "post" else None

    response = getattr(client, method)(url, data)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert QuizAttempt.objects.count() == 1
    after = stored(attempt)
    assert after.is_open and after.answers == {} and not AttemptAnswer.objects.exists()


def test_state_changes_need_post(learner_client, learner, course, quiz):
    attempt = assessment.start_attempt(learner, quiz)
    assessment.save_answers(learner, attempt.pk, wrong_answers(attempt.paper))
    other = make_quiz(course, title="Bài luyện tập", kind=QuizPage.Kind.PRACTICE, is_required=False)

    assert learner_client.get(start_url(other)).status_code == 405
    assert learner_client.get(save_url(attempt)).status_code == 405
    assert learner_client.get(submit_url(attempt)).status_code == 405
    assert learner_client.post(attempt_url(attempt)).status_code == 405
    assert not QuizAttempt.objects.filter(quiz=other).exists()
    after = stored(attempt)
    assert after.is_open and after.answers == wrong_answers(attempt.paper)


# 5. Starting ---------------------------------------------------------------------------------------


def test_starting_twice_resumes_the_same_attempt(learner_client, learner, quiz):
    first = learner_client.post(start_url(quiz))
    second = learner_client.post(start_url(quiz))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    attempt = QuizAttempt.objects.get()
    assert first["Location"] == attempt_url(attempt) and attempt.number == 1 and attempt.is_open

    page = soup(learner_client.get(quiz.url))
    assert page.find("a", href=attempt_url(attempt)) is not None and not has_start_form(page, quiz)


def test_start_needs_an_enrolment_and_a_published_quiz(learner_client, official, course, quiz):
    response = learner_client.post(start_url(quiz))
    assert response.status_code == 302 and response["Location"] == quiz.url
    assert message_levels(response) == [messages.ERROR]
    assert not QuizAttempt.objects.exists()

    enrolled(official, course)
    assert has_start_form(soup(learner_client.get(quiz.url)), quiz)
    quiz.unpublish()
    assert learner_client.post(start_url(quiz)).status_code == 404
    assert not QuizAttempt.objects.exists()


def test_no_attempt_after_the_last_one_allowed(learner_client, learner, course):
    quiz = explained_quiz(course, max_attempts=2)
    first = sit(learner_client, quiz, wrong_answers)
    assert has_start_form(soup(learner_client.get(attempt_url(first))), quiz)  # "try again"
    second = sit(learner_client, quiz, wrong_answers)
    assert (first.number, second.number) == (1, 2)

    response = learner_client.post(start_url(quiz))

    assert response.status_code == 302 and response["Location"] == quiz.url
    assert message_levels(response) == [messages.ERROR]
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 2
    assert not has_start_form(soup(learner_client.get(quiz.url)), quiz)
    assert not has_start_form(soup(learner_client.get(attempt_url(second))), quiz)


def test_the_wait_between_attempts_is_kept(learner_client, learner, course, clock):
    quiz = explained_quiz(course, min_wait_minutes=60)
    first = sit(learner_client, quiz, wrong_answers)
    assert first.submitted_at == clock.now

    for minutes in (0, 59):
        clock.now = first.submitted_at + datetime.timedelta(minutes=minutes)
        response = learner_client.post(start_url(quiz))
        assert response.status_code == 302 and response["Location"] == quiz.url, minutes
        assert message_levels(response) == [messages.ERROR]
        assert QuizAttempt.objects.count() == 1
        assert not has_start_form(soup(learner_client.get(quiz.url)), quiz)

    clock.now = first.submitted_at + datetime.timedelta(minutes=60, seconds=1)
    assert has_start_form(soup(learner_client.get(quiz.url)), quiz)
    second = start(learner_client, quiz)
    assert second.number == 2 and second.is_open and QuizAttempt.objects.count() == 2


# 6. Handing in --------------------------------------------------------------------------------------


def test_double_submit_grades_once(learner_client, learner, quiz):
    attempt = start(learner_client, quiz)
    answers = correct_answers(attempt.paper)

    graded = submit(learner_client, attempt, answers)
    again = submit(learner_client, attempt, wrong_answers(attempt.paper))

    assert (again.submitted_at, again.score, again.passed) == (graded.submitted_at, 100, True)
    assert again.answers == answers
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 1
    positions = sorted(AttemptAnswer.objects.filter(attempt=attempt).values_list("position", flat=True))
    assert positions == list(range(len(attempt.paper)))


def test_submit_after_the_deadline_grades_only_the_saved_answers(learner_client, learner, quiz, clock):
    attempt = start(learner_client, quiz)
    assert attempt.deadline == clock.now + datetime.timedelta(minutes=quiz.time_limit_minutes)
    saved = mixed_answers(attempt.paper, 1)
    clock.advance(minutes=5)
    learner_client.post(save_url(attempt), as_form_data(saved, attempt.paper), headers=JSON)
    saved_at = clock.now

    clock.now = attempt.deadline + GRACE + datetime.timedelta(seconds=1)
    late_save = learner_client.post(
        save_url(attempt), as_form_data(correct_answers(attempt.paper), attempt.paper), headers=JSON
    )
    assert late_save.status_code == 400 and late_save.json()["saved"] is False
    graded = submit(learner_client, attempt, correct_answers(attempt.paper))

    assert graded.timed_out and not graded.is_open
    assert (graded.answers, graded.answers_saved_at) == (saved, saved_at)
    assert graded.score == grading.grade_paper(attempt.paper, saved)[1] == 25
    assert graded.submitted_at == attempt.deadline + GRACE and not graded.passed
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(attempt.paper)


def test_answers_sent_within_the_grace_are_graded(learner_client, learner, quiz, clock):
    attempt = start(learner_client, quiz)
    clock.now = attempt.deadline + GRACE - datetime.timedelta(seconds=1)
    graded = submit(learner_client, attempt, correct_answers(attempt.paper))
    assert (graded.timed_out, graded.score, graded.passed) == (False, 100, True)


def test_an_expired_open_attempt_is_graded_when_viewed(learner_client, learner, quiz, clock):
    attempt = start(learner_client, quiz)
    saved = mixed_answers(attempt.paper, 2)
    learner_client.post(save_url(attempt), as_form_data(saved, attempt.paper), headers=JSON)
    assert stored(attempt).is_open

    clock.now = attempt.deadline + GRACE + datetime.timedelta(minutes=3)
    page = soup(learner_client.get(attempt_url(attempt)))

    assert page.find("form", id="attempt-form") is None
    graded = stored(attempt)
    assert graded.timed_out and graded.submitted_at == attempt.deadline + GRACE
    assert graded.score == 50 and graded.answers == saved
    learner_client.get(attempt_url(attempt))
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(attempt.paper)


# 7. The test in the course ----------------------------------------------------------------------------


def status_box(page):
    """The learner's status on the course page: the section of the #status-title heading."""
    return page.find(id="status-title").parent


def quizzes_section(page):
    return page.find(id="quizzes-title").parent


def test_course_page_lists_its_tests_with_a_link(client, learner, course, quiz):
    practice = make_quiz(course, title="Bài luyện tập", kind=QuizPage.Kind.PRACTICE, is_required=False)
    for who in (None, learner.user):
        if who:
            client.force_login(who)
        page = soup(client.get(course.url))
        assert [a["href"] for a in quizzes_section(page).find_all("a")] == [quiz.url, practice.url]
        assert not any(a["href"] in (quiz.url, practice.url) for a in status_box(page).find_all("a"))


def test_after_the_last_lesson_the_learner_is_sent_to_the_test(learner_client, learner, course, quiz):
    enrollment = Enrollment.objects.get(official=learner)
    continue_url = reverse("learning:continue", args=[enrollment.pk])
    *first_lessons, last = lessons_of(course)
    for lesson in first_lessons:
        services.record_lesson_done(learner, lesson)
    assert learner_client.get(continue_url)["Location"] == last.url

    response = learner_client.post(reverse("learning:lesson_done", args=[last.pk]))

    assert response.status_code == 302 and response["Location"] == quiz.url
    assert learner_client.get(continue_url)["Location"] == quiz.url
    assert status_box(soup(learner_client.get(course.url))).find("a", href=quiz.url) is not None
    sit(learner_client, quiz, wrong_answers)  # failing does not change where to go
    assert learner_client.get(continue_url)["Location"] == quiz.url
    assert not Enrollment.objects.get(pk=enrollment.pk).is_complete


def test_passing_the_final_test_completes_the_course(learner_client, learner, course, quiz):
    for lesson in lessons_of(course):
        services.record_lesson_done(learner, lesson)
    today = timezone.localdate().strftime("%d/%m/%Y")  # dates are shown dd/mm/yyyy
    page = soup(learner_client.get(course.url))
    assert page.find("progress")["value"] == "75"  # three lessons of three, the test not yet
    assert status_box(page).find("a", href=quiz.url) is not None and today not in status_box(page).get_text()

    failed = sit(learner_client, quiz, wrong_answers)
    assert not failed.passed and Enrollment.objects.get(official=learner).completed_at is None

    passed = sit(learner_client, quiz, correct_answers)

    assert passed.passed
    enrollment = Enrollment.objects.get(official=learner)
    assert enrollment.completed_at is not None and enrollment.completed_at >= passed.submitted_at
    page = soup(learner_client.get(course.url))
    assert page.find("progress")["value"] == "100"
    box = status_box(page)
    assert timezone.localtime(enrollment.completed_at).strftime("%d/%m/%Y") in box.get_text()  # "completed on"
    assert box.find("a", href=quiz.url) is None and box.find("form") is None
    assert [a["href"] for a in quizzes_section(page).find_all("a")] == [quiz.url]
