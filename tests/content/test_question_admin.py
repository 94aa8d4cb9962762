"""The question banks in the Wagtail admin: a trainer adds and edits questions with their options,
the form refuses options that do not fit the question type, the next paper drawn carries the new
question, papers already drawn do not change, and other roles cannot reach the banks."""

import bs4
import pytest
from django.urls import reverse

from content.models import Question, QuestionOption
from lms.learning import assessment
from lms.learning.grading import model_answers
from lms.learning.models import QuizAttempt
from lms.people import roles
from tests.factories import OfficialFactory
from tests.learning.quiz_helpers import Kind, enrolled, key_pks, make_bank, make_question, make_quiz
from tests.support.auth import logged_in
from tests.support.people import member

URLS = "wagtailsnippets_content_question"
ADD_URL = f"{URLS}:add"


def edit_url(question):
    return reverse(f"{URLS}:edit", args=[question.pk])


@pytest.fixture
def trainer_client(client, role_groups):
    return logged_in(client, member(role_groups, roles.TRAINER, username="giangvien"))


# What a browser posts --------------------------------------------------------------------------


def posted_fields(response):
    """The fields the question form on ``response`` would post as it stands: every named input,
    select and textarea of the form (ticked checkboxes only), without the formset's template row."""
    soup = bs4.BeautifulSoup(response.content, "html.parser")
    form = soup.find("textarea", attrs={"name": "prompt"}).find_parent("form")
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or "__prefix__" in name or field.has_attr("disabled"):
            continue
        if field.name == "select":
            chosen = field.find_all("option", selected=True) or field.find_all("option")[:1]
            data[name] = chosen[0].get("value", "") if chosen else ""
        elif field.name == "textarea":
            data[name] = field.text.removeprefix("\r\n").removeprefix("\n")  # as a browser reads it
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") not in ("submit", "button", "range"):
            data[name] = field.get("value", "")
    return data


def with_options(data, prefix, options):
    """``data`` with the options formset ``prefix`` replaced by ``options``: dicts of ``text``,
    ``is_correct`` and, for an option already saved, ``id`` (``delete`` removes it). Rows are in the
    order given, which is the order of the steps of an ordering question."""
    limits = (f"{prefix}-MIN_NUM_FORMS", f"{prefix}-MAX_NUM_FORMS")  # as the management form gave them
    data = {key: value for key, value in data.items() if key in limits or not key.startswith(f"{prefix}-")}
    initial = sum(1 for option in options if option.get("id"))
    data.update({f"{prefix}-TOTAL_FORMS": str(len(options)), f"{prefix}-INITIAL_FORMS": str(initial)})
    # Saved options come first, as the formset renders them.
    saved = [option for option in options if option.get("id")]
    ordered = saved + [option for option in options if not option.get("id")]
    for index, option in enumerate(ordered):
        row = f"{prefix}-{index}"
        data[f"{row}-text"] = option["text"]
        data[f"{row}-id"] = str(option.get("id") or "")
        data[f"{row}-ORDER"] = str(options.index(option) + 1)
        data[f"{row}-DELETE"] = "1" if option.get("delete") else ""
        if option.get("is_correct"):
            data[f"{row}-is_correct"] = "on"
    return data


def question_form(client, url, options, **fields):
    """GET the admin form at ``url`` and fill it in like a trainer: ``fields`` by name, ``options``
    as in ``with_options``. Returns the data to POST."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.formsets) == {"options"}
    data = posted_fields(response)
    prefix = form.formsets["options"].prefix
    assert {"course", "kind", "prompt", "tags", f"{prefix}-TOTAL_FORMS", f"{prefix}-MIN_NUM_FORMS"} <= set(data)
    data.update({name: str(value) for name, value in fields.items()})
    return with_options(data, prefix, options)


NEW_QUESTION = {
    "prompt": "Sau khi ký số văn bản đi, cần kiểm tra điều gì trước khi phát hành?",
    "explanation": "Chữ ký số hợp lệ thì văn bản mới có giá trị pháp lý.",
    "tags": "IU02, ky-so-van-ban-di",
}
NEW_OPTIONS = [
    {"text": "Chữ ký số hiển thị hợp lệ trên văn bản", "is_correct": True},
    {"text": "Màu của con dấu", "is_correct": False},
    {"text": "Cỡ chữ của trích yếu", "is_correct": False},
]


def add_question(client, course, kind=Kind.SINGLE, options=NEW_OPTIONS, **fields):
    data = question_form(client, reverse(ADD_URL), options, course=course.pk, kind=kind, **{**NEW_QUESTION, **fields})
    return client.post(reverse(ADD_URL), data)


# Adding a question ------------------------------------------------------------------------------


def test_trainer_adds_a_question_with_its_options_and_tags(trainer_client, course):
    response = add_question(trainer_client, course)

    assert response.status_code == 302
    assert response["Location"] == reverse(f"{URLS}:list")
    question = Question.objects.get()
    assert (question.course_id, question.kind, question.prompt, question.explanation, question.is_active) == (
        course.pk,
        Kind.SINGLE,
        NEW_QUESTION["prompt"],
        NEW_QUESTION["explanation"],
        True,
    )
    assert [(o.text, o.is_correct) for o in question.options.order_by("sort_order")] == [
        (option["text"], option["is_correct"]) for option in NEW_OPTIONS
    ]
    assert set(question.tags.names()) == {"IU02", "ky-so-van-ban-di"}
    # The trainer can open it again.
    assert trainer_client.get(edit_url(question)).status_code == 200


def test_an_ordering_question_keeps_its_steps_in_the_order_entered(trainer_client, course):
    steps = ["Mở văn bản cần ký", "Bấm Ký số", "Nhập mã PIN", "Kiểm tra chữ ký rồi phát hành"]
    response = add_question(
        trainer_client,
        course,
        kind=Kind.ORDERING,
        options=[{"text": text} for text in steps],  # "correct" is ignored for ordering questions
        prompt="Sắp xếp các bước ký số văn bản đi.",
    )

    assert response.status_code == 302
    question = Question.objects.get()
    options = list(question.options.order_by("sort_order"))
    assert [o.text for o in options] == steps
    assert key_pks(assessment.snapshot(question)) == [o.pk for o in options]


# What is wrong, and where the form says so: the question's own errors (the options do not fit the
# type, QuestionForm) or the options formset's (fewer rows than its minimum).
TWO_CORRECT = [{"text": "Phương án A", "is_correct": True}, {"text": "Phương án B", "is_correct": True}]
INVALID_OPTIONS = {
    "single choice, two correct": (Kind.SINGLE, TWO_CORRECT, "question"),
    "single choice, none correct": (Kind.SINGLE, [{"text": "Phương án A"}, {"text": "Phương án B"}], "question"),
    "multiple choice, all correct": (Kind.MULTIPLE, TWO_CORRECT, "question"),
    "true/false, three options": (
        Kind.TRUE_FALSE,
        [{"text": "Đúng", "is_correct": True}, {"text": "Sai"}, {"text": "Không rõ"}],
        "question",
    ),
    "ordering, two steps": (Kind.ORDERING, [{"text": "Bước một"}, {"text": "Bước hai"}], "question"),
    "two options alike": (
        Kind.SINGLE,
        [{"text": "Giống nhau", "is_correct": True}, {"text": "Giống nhau"}],
        "question",
    ),
    "one option": (Kind.SINGLE, [{"text": "Phương án duy nhất", "is_correct": True}], "options"),
}


@pytest.mark.parametrize("kind, options, where", INVALID_OPTIONS.values(), ids=INVALID_OPTIONS.keys())
def test_options_that_do_not_fit_the_type_are_refused(trainer_client, course, kind, options, where):
    response = add_question(trainer_client, course, kind=kind, options=options)

    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["form"]
    if where == "question":
        assert form.non_field_errors()
    else:
        assert form.formsets["options"].non_form_errors()
    assert form.data["prompt"] == NEW_QUESTION["prompt"]  # what the trainer typed is kept
    assert not Question.objects.exists()
    assert not QuestionOption.objects.exists()


def test_a_question_without_a_course_is_refused(trainer_client, course):
    data = question_form(trainer_client, reverse(ADD_URL), NEW_OPTIONS, kind=Kind.SINGLE, **NEW_QUESTION)
    assert data["course"] == ""  # nothing chosen
    response = trainer_client.post(reverse(ADD_URL), data)

    assert response.status_code == 200
    assert "course" in response.context["form"].errors
    assert not Question.objects.exists()


# The next paper ---------------------------------------------------------------------------------


def test_the_next_paper_drawn_carries_the_new_question(trainer_client, course, official):
    make_bank(course, 3)
    assert add_question(trainer_client, course).status_code == 302
    new = Question.objects.get(prompt=NEW_QUESTION["prompt"])
    quiz = make_quiz(course, questions_per_attempt=Question.objects.filter(course=course).count())
    assert quiz.questions_per_attempt == 4

    enrolled(official, course)
    attempt = assessment.start_attempt(official, quiz)

    assert len(attempt.paper) == 4
    item = next(item for item in attempt.paper if item["question"] == new.pk)
    assert (item["kind"], item["prompt"]) == (Kind.SINGLE, NEW_QUESTION["prompt"])
    assert sorted(option["text"] for option in item["options"]) == sorted(option["text"] for option in NEW_OPTIONS)
    assert key_pks(item) == [new.options.get(is_correct=True).pk]


def test_a_question_taken_out_of_use_in_the_admin_is_not_drawn(trainer_client, course, official):
    make_bank(course, 3)
    data = question_form(
        trainer_client, reverse(ADD_URL), NEW_OPTIONS, course=course.pk, kind=Kind.SINGLE, **NEW_QUESTION
    )
    del data["is_active"]  # unticked
    assert trainer_client.post(reverse(ADD_URL), data).status_code == 302
    new = Question.objects.get(prompt=NEW_QUESTION["prompt"])
    assert not new.is_active
    quiz = make_quiz(course, questions_per_attempt=4)

    enrolled(official, course)
    paper = assessment.start_attempt(official, quiz).paper

    assert len(paper) == 3 and new.pk not in {item["question"] for item in paper}


# Papers are snapshots ---------------------------------------------------------------------------


def test_editing_a_question_leaves_papers_already_drawn_as_they_were(trainer_client, course, official):
    make_bank(course, 3)
    question = make_question(
        course,
        Kind.SINGLE,
        [("Ban Cơ yếu Chính phủ", True), ("Ủy ban nhân dân xã", False), ("Bưu điện", False)],
        prompt="Chứng thư số chuyên dùng do cơ quan nào cấp?",
        tags=["IU02"],
    )
    quiz = make_quiz(course, questions_per_attempt=4)
    enrolled(official, course)
    attempt = assessment.start_attempt(official, quiz)
    paper = attempt.paper
    assert question.pk in {item["question"] for item in paper}

    right, wrong, gone = question.options.order_by("sort_order")
    data = question_form(
        trainer_client,
        edit_url(question),
        [
            {"id": right.pk, "text": "Ban Cơ yếu Chính phủ (đã sửa)"},  # no longer the right one
            {"id": wrong.pk, "text": "Ủy ban nhân dân tỉnh", "is_correct": True},
            {"id": gone.pk, "text": gone.text, "delete": True},
            {"text": "Sở Thông tin và Truyền thông"},
        ],
        prompt="Câu hỏi đã được giảng viên sửa.",
        tags="IU02, sua-doi",
    )
    response = trainer_client.post(edit_url(question), data)

    # The edit went through...
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.prompt == "Câu hỏi đã được giảng viên sửa."
    assert [(o.text, o.is_correct) for o in question.options.order_by("sort_order")] == [
        ("Ban Cơ yếu Chính phủ (đã sửa)", False),
        ("Ủy ban nhân dân tỉnh", True),
        ("Sở Thông tin và Truyền thông", False),
    ]
    assert not QuestionOption.objects.filter(pk=gone.pk).exists()
    assert set(question.tags.names()) == {"IU02", "sua-doi"}

    # ...but the paper already drawn is untouched, and is graded on its own key.
    attempt.refresh_from_db()
    assert attempt.paper == paper
    attempt = assessment.submit_attempt(official, attempt.pk, model_answers(paper))
    assert attempt.passed and attempt.score == 100

    # A paper drawn now has the edited question.
    other = OfficialFactory()
    enrolled(other, course)
    item = next(i for i in assessment.start_attempt(other, quiz).paper if i["question"] == question.pk)
    assert item["prompt"] == "Câu hỏi đã được giảng viên sửa."
    assert key_pks(item) == [wrong.pk]
    assert QuizAttempt.objects.count() == 2


# Who may reach the banks ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", roles.OFFICIAL, roles.HR])
def test_only_trainers_reach_the_question_banks(client, role_groups, course, role):
    question = make_question(course, prompt="Câu hỏi bí mật của ngân hàng đề thi?")
    if role == roles.OFFICIAL:
        official = OfficialFactory()
        official.user.groups.add(role_groups[roles.OFFICIAL])
        client.force_login(official.user)
    elif role == roles.HR:
        client.force_login(member(role_groups, roles.HR, username="nhansu"))
    # Without admin access: the admin login; with it but without the permission: the admin home.
    refusal = reverse("wagtailadmin_home") if role == roles.HR else reverse("wagtailadmin_login")

    for url in (reverse(f"{URLS}:list"), reverse(ADD_URL), edit_url(question)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].split("?")[0] == refusal, url
        assert question.prompt not in response.content.decode()

    # What a trainer's browser would post (these users cannot GET the form to read it).
    fields = {"course": str(course.pk), "kind": Kind.SINGLE, "prompt": NEW_QUESTION["prompt"], "is_active": "on"}
    fields.update({"options-MIN_NUM_FORMS": "2", "options-MAX_NUM_FORMS": "8"})
    data = with_options(fields, "options", NEW_OPTIONS)
    assert client.post(reverse(ADD_URL), data).status_code == 302
    assert client.post(edit_url(question), {**data, "prompt": "Đã bị sửa trái phép?"}).status_code == 302
    assert client.post(reverse(f"{URLS}:delete", args=[question.pk])).status_code == 302
    question.refresh_from_db()
    assert question.prompt == "Câu hỏi bí mật của ngân hàng đề thi?"
    assert list(Question.objects.all()) == [question]
