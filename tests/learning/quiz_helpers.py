"""Building quizzes for tests, and answering their papers.

A quiz is a QuizPage under a course that draws its paper from the course's question bank. The
helpers here make a bank of every question type, publish a quiz over it, and turn an attempt's
paper (whose items keep the ``key``: the correct option ids, in order for an ordering question)
into answers that are right, wrong, or a mix, in the shape ``assessment.clean_answers`` takes or
as the form fields the learner views read.
"""

from itertools import cycle, islice

from content.models import Question, QuestionOption, QuizDrawRule, QuizPage
from lms.learning import services
from lms.learning.grading import model_answers
from tests.factories import publish

Kind = Question.Kind
Scoring = Question.Scoring

# The prompt and options (text, is_correct) of a sample question of each type; an ordering
# question's options are its steps in the correct order.
SAMPLE_QUESTIONS = {
    Kind.SINGLE: (
        "Chứng thư số chuyên dùng do cơ quan nào cấp?",
        [("Ban Cơ yếu Chính phủ", True), ("Ủy ban nhân dân xã", False), ("Bưu điện", False)],
    ),
    Kind.TRUE_FALSE: (
        "Được phép cho người khác mượn thiết bị ký số.",
        [("Đúng", False), ("Sai", True)],
    ),
    Kind.MULTIPLE: (
        "Những việc nào cần làm trước khi ký số văn bản đi?",
        [("Kiểm tra nội dung", True), ("Cắm thiết bị ký số", True), ("Tắt máy tính", False), ("Xóa văn bản", False)],
    ),
    Kind.ORDERING: (
        "Sắp xếp các bước ký số văn bản đi.",
        [("Mở văn bản", True), ("Bấm Ký số", True), ("Nhập mã PIN", True), ("Phát hành", True)],
    ),
}


def make_question(
    course, kind=Kind.SINGLE, options=None, *, prompt=None, scoring=Scoring.ALL_OR_NOTHING, tags=(), **fields
):
    """One question of ``course``'s bank: the sample of ``kind`` unless ``prompt`` and ``options``
    (text, is_correct) are given. Other model fields (``is_active``…) pass through."""
    sample_prompt, sample_options = SAMPLE_QUESTIONS[kind]
    question = Question(course=course, kind=kind, prompt=prompt or sample_prompt, scoring=scoring, **fields)
    question.options = [
        QuestionOption(text=text, is_correct=correct, sort_order=index)
        for index, (text, correct) in enumerate(options or sample_options)
    ]
    question.save()
    if tags:
        question.tags.add(*tags)
        question.save()
    return question


def make_bank(course, size=14, *, kinds=tuple(SAMPLE_QUESTIONS), tags=(), **fields):
    """``size`` sample questions for ``course``, cycling through ``kinds`` (all four by default),
    each carrying ``tags``. Prompts are numbered so that every question can be told apart."""
    return [
        make_question(course, kind, prompt=f"Câu {number}: {SAMPLE_QUESTIONS[kind][0]}", tags=tags, **fields)
        for number, kind in enumerate(islice(cycle(kinds), size), start=1)
    ]


def make_quiz(course, *, title="Bài kiểm tra cuối khóa", draw_rules=(), **fields):
    """A published QuizPage under ``course``; ``draw_rules`` are (tag, count). The model's defaults
    hold unless given: a required final test of 10 questions, pass mark 70 %, 3 attempts, 20 minutes."""
    quiz = QuizPage(title=title, **fields)
    quiz.draw_rules = [QuizDrawRule(tag=tag, count=count) for tag, count in draw_rules]
    return publish(course, quiz)


def quiz_with_bank(course, bank_size=4, **quiz_fields):
    """A quiz drawing its whole bank of ``bank_size`` questions (one per type, cycling) unless
    ``questions_per_attempt`` is given."""
    make_bank(course, bank_size)
    quiz_fields.setdefault("questions_per_attempt", bank_size)
    return make_quiz(course, **quiz_fields)


def enrolled(official, course):
    return services.enrol(official, course)


# Answering a paper -----------------------------------------------------------------------------


def right_answer(item):
    """Full marks for one paper item."""
    return model_answers([item])["0"]


def wrong_answer(item):
    """No credit for one paper item, under either scoring: one wrong choice, or every step moved
    one place down (the last step first), so that none is in its place."""
    key = item["key"]
    if item["kind"] == Kind.ORDERING:
        return {str(option_id): (rank % len(key)) + 1 for rank, option_id in enumerate(key, start=1)}
    return [next(option["id"] for option in item["options"] if option["id"] not in key)]


def correct_answers(paper):
    """Answers to every position of ``paper`` that earn full marks."""
    return model_answers(paper)


def wrong_answers(paper):
    """Answers to every position of ``paper`` that earn nothing."""
    return {str(position): wrong_answer(item) for position, item in enumerate(paper)}


def mixed_answers(paper, right):
    """The first ``right`` positions answered correctly, the others wrongly."""
    return {
        str(position): (right_answer(item) if position < right else wrong_answer(item))
        for position, item in enumerate(paper)
    }


def as_form_data(answers, paper):
    """The fields the attempt form posts for ``answers``: ``q<position>`` with the chosen option
    ids (several for multiple choice), ``q<position>-<option id>`` with a step's rank, and
    ``positions`` listing the questions shown."""
    data = {"positions": [str(position) for position in range(len(paper))]}
    for position, answer in answers.items():
        if isinstance(answer, dict):
            for option_id, rank in answer.items():
                data[f"q{position}-{option_id}"] = str(rank)
        else:
            data[f"q{position}"] = [str(option_id) for option_id in answer]
    return data


def key_pks(item):
    """The database ids of a paper item's key (the paper names options by per-paper tokens)."""
    pk_of = {option["id"]: option["option"] for option in item["options"]}
    return [pk_of[token] for token in item["key"]]
