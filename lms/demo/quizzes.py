"""The demo courses' question banks and final tests, written in content/demo/quizzes/."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from content.models import CoursePage, Question, QuestionOption, QuizDrawRule, QuizPage

QUIZ_DIR = Path(settings.BASE_DIR) / "content" / "demo" / "quizzes"
# Short enough to try on the demo, long enough to see the rule at work after a failed attempt.
DEMO_MIN_WAIT_MINUTES = 2


def load_quiz_files():
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(QUIZ_DIR.glob("*.json"))]


def _question(course, data):
    question = Question(
        course=course,
        kind=data["type"],
        prompt=data["prompt"],
        scoring=data.get("scoring", Question.Scoring.ALL_OR_NOTHING),
        explanation=data.get("explanation", ""),
    )
    question.options = [
        QuestionOption(text=option["text"], is_correct=option.get("correct", False), sort_order=index)
        for index, option in enumerate(data["options"])
    ]
    question.save()
    question.tags.add(*data.get("tags", []))
    question.save()
    return question


@transaction.atomic
def build_quiz(catalogue, data):
    """The course's bank and final test. A course that already has a quiz is left as trainers made it."""
    course = CoursePage.objects.child_of(catalogue).filter(slug=data["course"]).first()
    if course is None or QuizPage.objects.child_of(course).exists():
        return False
    if not Question.objects.filter(course=course).exists():
        for question in data["questions"]:
            _question(course, question)
    quiz = QuizPage(
        title=data["title"],
        kind=QuizPage.Kind.FINAL,
        intro=data.get("intro", ""),
        questions_per_attempt=data.get("questions_per_attempt", 10),
        pass_mark=data.get("pass_mark", 70),
        max_attempts=data.get("max_attempts", 3),
        time_limit_minutes=data.get("time_limit_minutes", 20),
        min_wait_minutes=data.get("min_wait_minutes") or DEMO_MIN_WAIT_MINUTES,
        review=QuizPage.Review.FULL,
    )
    quiz.draw_rules = [QuizDrawRule(tag=rule["tag"], count=rule["count"]) for rule in data.get("draw", [])]
    course.add_child(instance=quiz)
    quiz.save_revision().publish()
    return True


def build_quizzes(catalogue):
    return sum(build_quiz(catalogue, data) for data in load_quiz_files())
