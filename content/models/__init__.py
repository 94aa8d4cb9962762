from .base import Competency, CourseCategory
from .course import CourseIndexPage, CoursePage
from .home import HomePage
from .lesson import LessonPage

__all__ = ["Competency", "CourseCategory", "CourseIndexPage", "CoursePage", "HomePage", "LessonPage"]
