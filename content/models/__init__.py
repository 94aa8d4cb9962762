from .base import Competency, CourseCategory
from .course import CourseIndexPage, CoursePage
from .home import HomePage
from .lesson import LessonPage
from .quiz import Question, QuestionOption, QuestionTag, QuizDrawRule, QuizPage
from .training import TrainingContent

__all__ = [
    "Competency",
    "CourseCategory",
    "CourseIndexPage",
    "CoursePage",
    "HomePage",
    "LessonPage",
    "Question",
    "QuestionOption",
    "QuestionTag",
    "QuizDrawRule",
    "QuizPage",
    "TrainingContent",
]
