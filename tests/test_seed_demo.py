import random
import re
import unicodedata
from decimal import Decimal

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from taggit.models import Tag
from wagtail.models import Page, Revision

from content.models import CoursePage, LessonPage, Question, QuestionOption, QuizDrawRule, QuizPage
from content.models.quiz import QuestionTag, check_options
from lms.demo.quizzes import load_quiz_files
from lms.learning import assessment, completion
from lms.learning.models import AttemptAnswer, Enrollment, LessonProgress, QuizAttempt
from lms.people.models import Official, OrgUnit, PositionGroup
from tests.learning.quiz_helpers import key_pks

REQUIRED_COURSES = [
    "Chữ ký số chuyên dùng và chứng thư số",
    "Phần mềm quản lý văn bản và hồ sơ công việc, liên thông văn bản điện tử",
    "Phần mềm quản lý hộ tịch",
    "Cơ sở dữ liệu đất đai",
    "Phần mềm quản lý thu – chi ngân sách",
    "Thư điện tử công vụ và hội nghị trực tuyến",
    "Dịch vụ công trực tuyến và một cửa điện tử",
    "Kỹ năng sử dụng CNTT cơ bản (IU01–IU06)",
    "An toàn thông tin cho cán bộ, công chức",
]
MIN_BANK_SIZE = 12
# Letters that only Vietnamese text carries: the marked vowels and đ (lower case; compare casefolded).
VIETNAMESE_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")


def login_request():
    # The login throttle (django-axes) checks every authentication against the client's request.
    return RequestFactory().post("/dang-nhap/")


def snapshot():
    """Row counts of everything seed_demo writes; a second run must leave every one unchanged."""
    models = [
        OrgUnit,
        Official,
        Page,
        Revision,
        CoursePage,
        LessonPage,
        QuizPage,
        QuizDrawRule,
        Question,
        QuestionOption,
        QuestionTag,
        Tag,
        Enrollment,
        LessonProgress,
        QuizAttempt,
        AttemptAnswer,
    ]
    return {model.__name__: model.objects.count() for model in models}


def has_vietnamese_letter(text):
    return any(letter in VIETNAMESE_LETTERS for letter in unicodedata.normalize("NFC", text).casefold())


def same_text(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


def tag_names(question):
    return {tag.name.lower() for tag in question.tags.all()}


def assert_every_course_has_a_final_test():
    """One live, required final test per course, over a bank it can draw from under its rules."""
    courses = list(CoursePage.objects.all())
    assert len(courses) == len(REQUIRED_COURSES)
    for course in courses:
        quizzes = list(QuizPage.objects.child_of(course))
        assert len(quizzes) == 1, course.title
        quiz = quizzes[0]
        assert quiz.live and not quiz.has_unpublished_changes, course.title
        assert quiz.kind == QuizPage.Kind.FINAL and quiz.is_required, course.title
        assert list(course.quizzes()) == [quiz]

        bank = assessment.bank_for(quiz)
        assert len(bank) >= MIN_BANK_SIZE, course.title
        assert 1 <= quiz.questions_per_attempt <= len(bank), course.title
        assert 1 <= quiz.pass_mark <= 100 and quiz.max_attempts >= 2, course.title

        rules = list(quiz.draw_rules.all())
        assert rules, course.title
        assert sum(rule.count for rule in rules) <= quiz.questions_per_attempt, course.title
        tagged = [{q.pk for q in bank if rule.tag.lower() in tag_names(q)} for rule in rules]
        for index, rule in enumerate(rules):
            # Rules draw in order and never take a question twice: even if every earlier rule took
            # its questions among this rule's candidates, enough must be left for this one.
            taken = sum(min(rules[j].count, len(tagged[j] & tagged[index])) for j in range(index))
            assert len(tagged[index]) - taken >= rule.count, (course.title, rule.tag)
        for seed in range(25):
            paper = assessment.draw_paper(quiz, random.Random(seed))
            drawn = [item["question"] for item in paper]
            assert len(drawn) == len(set(drawn)) == quiz.questions_per_attempt, course.title
            for rule, candidates in zip(rules, tagged, strict=True):
                assert len(candidates & set(drawn)) >= rule.count, (course.title, rule.tag, seed)


def assert_banks_are_sound_vietnamese():
    """Every question of every bank is well formed, Vietnamese, distinct, and as written in its file."""
    written = {data["course"]: data for data in load_quiz_files()}
    assert len(written) == len(REQUIRED_COURSES)
    for course in CoursePage.objects.all():
        questions = list(Question.objects.filter(course=course).prefetch_related("options", "tags"))
        assert questions and all(q.is_active for q in questions), course.title
        source = {same_text(q["prompt"]): q for q in written[course.slug]["questions"]}
        assert len(questions) == len(source), course.title

        prompts = [same_text(q.prompt) for q in questions]
        assert len(set(prompts)) == len(prompts), f"two questions of {course.title} ask the same thing"
        bank_text = []
        for question in questions:
            options = sorted(question.options.all(), key=lambda option: option.sort_order)
            texts = [option.text for option in options]
            label = (course.title, question.prompt[:60])
            assert question.prompt.strip() and all(text.strip() for text in texts), label
            assert has_vietnamese_letter(" ".join([question.prompt, *texts])), label
            bank_text += [question.prompt, *texts]

            assert len(options) >= 2, label
            assert check_options(question.kind, [(o.text, o.is_correct) for o in options]) is None, label
            if question.kind == Question.Kind.ORDERING:
                # The steps are stored in their right order, which is the key of the paper.
                assert len(options) >= 3, label
                assert [o.sort_order for o in options] == list(range(len(options))), label
                assert key_pks(assessment.snapshot(question)) == [o.pk for o in options], label
            else:
                assert any(o.is_correct for o in options), label
                key = key_pks(assessment.snapshot(question))
                assert key and key == [o.pk for o in options if o.is_correct], label

            data = source[same_text(question.prompt)]
            assert question.kind == data["type"], label
            assert texts == [option["text"] for option in data["options"]], label
            assert [o.is_correct for o in options] == [option.get("correct", False) for option in data["options"]]
            assert tag_names(question) == {tag.lower() for tag in data.get("tags", [])}, label
        assert has_vietnamese_letter(" ".join(bank_text)), course.title


def assert_demo_official_has_passed_one_course():
    """hocvien: one course completed through its passed final test, the others not, as the rule says."""
    official = Official.objects.get(user__username="hocvien")
    enrollments = list(Enrollment.objects.filter(official=official).select_related("course"))
    completed = [e for e in enrollments if e.completed_at is not None]
    assert len(enrollments) >= 2 and len(completed) == 1
    enrollment = completed[0]

    requirements = completion.evaluate(enrollments)
    for e in enrollments:
        assert completion.is_satisfied(requirements[e.pk]) == (e.completed_at is not None), e.course_title
    by_key = {r.key: r for r in requirements[enrollment.pk]}
    assert by_key["quizzes"].total == 1 and by_key["quizzes"].satisfied
    assert by_key["lessons"].total == len(enrollment.course.lessons()) and by_key["lessons"].satisfied

    quiz = QuizPage.objects.child_of(enrollment.course).get()
    attempts = list(QuizAttempt.objects.filter(enrollment=enrollment))
    assert len(attempts) == 1
    attempt = attempts[0]
    assert attempt.quiz_id == quiz.pk and attempt.quiz_title == quiz.title and attempt.number == 1
    assert attempt.passed and attempt.submitted_at is not None and not attempt.timed_out
    assert attempt.score >= attempt.pass_mark == quiz.pass_mark
    assert attempt.submitted_at <= enrollment.completed_at
    assert len(attempt.paper) == quiz.questions_per_attempt

    answers = list(AttemptAnswer.objects.filter(attempt=attempt).order_by("position"))
    assert [a.position for a in answers] == list(range(len(attempt.paper)))
    assert [a.question_id for a in answers] == [item["question"] for item in attempt.paper]
    assert all(a.answered for a in answers)
    credits = sum(a.credit for a in answers)
    assert (credits * 100 / len(answers)).quantize(Decimal("0.01")) == attempt.score

    # The other enrolments have neither a completion nor an attempt that could have given one.
    others = [e for e in enrollments if e is not enrollment]
    assert not QuizAttempt.objects.filter(enrollment__in=others, passed=True).exists()


def test_seed_demo_builds_a_believable_province_and_is_idempotent(db, client, capsys):
    call_command("seed_demo", officials=200)
    output = capsys.readouterr().out
    for username in ["hocvien", "giangvien", "nhansu", "quantri"]:
        assert username in output
        assert authenticate(request=login_request(), username=username, password="Demo@2026") is not None
    assert "Demo@2026" in output

    titles = set(CoursePage.objects.live().values_list("title", flat=True))
    assert set(REQUIRED_COURSES) <= titles
    for course in CoursePage.objects.live():
        lessons = list(course.lessons())
        assert len(lessons) >= 3, course.title
        assert all(len(str(lesson.body)) > 1500 for lesson in lessons), course.title

    assert Official.objects.count() >= 200
    groups = PositionGroup.objects.all()
    assert {g.code for g in groups} == {"lanh-dao", "cntt", "cong-chuc", "vien-chuc"}
    assert all(g.officials.exists() for g in groups)

    province = OrgUnit.objects.get(kind=OrgUnit.Kind.PROVINCE)
    assert province.get_children().filter(kind=OrgUnit.Kind.DEPARTMENT).count() >= 5
    assert province.get_children().filter(kind=OrgUnit.Kind.COMMUNE, valid_to__isnull=True).count() >= 5
    district = OrgUnit.objects.get(kind=OrgUnit.Kind.DISTRICT)
    assert str(district.valid_to) == "2025-06-30"
    assert district.get_children().count() == 3

    # The quizzes and the demo official's history are checked on this same seed, to keep the
    # number of (slow) seed_demo runs small.
    assert_every_course_has_a_final_test()
    assert_banks_are_sound_vietnamese()
    assert_demo_official_has_passed_one_course()

    # A trainer's edit to the bank survives a second run, which adds nothing at all.
    edited = Question.objects.filter(course__slug="an-toan-thong-tin").order_by("pk").first()
    edited.prompt = "Câu hỏi do giảng viên sửa lại."
    edited.save()
    attempt_before = QuizAttempt.objects.get(enrollment__official__user__username="hocvien")
    before = snapshot()
    call_command("seed_demo", officials=200)
    assert snapshot() == before
    edited.refresh_from_db()
    assert edited.prompt == "Câu hỏi do giảng viên sửa lại."
    attempt_after = QuizAttempt.objects.get(enrollment__official__user__username="hocvien")
    assert (attempt_after.pk, attempt_after.paper, attempt_after.score) == (
        attempt_before.pk,
        attempt_before.paper,
        attempt_before.score,
    )
    assert_demo_official_has_passed_one_course()

    response = client.get("/")
    assert response.status_code == 200
    assert "Công chức số" in response.content.decode()
    assert client.get("/khoa-hoc/", {"q": "ho tich"}).context["courses"][0].title == "Phần mềm quản lý hộ tịch"


def test_seed_demo_scales_and_takes_a_password(db, capsys):
    call_command("seed_demo", officials=320, password="Khac@2027")
    assert Official.objects.count() >= 320
    assert authenticate(request=login_request(), username="hocvien", password="Khac@2027") is not None
    assert "Khac@2027" in capsys.readouterr().out
