from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from ..blocks import LessonBodyBlock
from .base import VietnamesePage


class LessonPage(VietnamesePage):
    """One lesson of a course; lessons are ordered as they are in the page tree."""

    summary = models.TextField(_("summary"), blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=15)
    is_required = models.BooleanField(
        _("required for completion"),
        default=True,
        help_text=_("Optional lessons are shown but do not count towards completing the course."),
    )
    body = StreamField(LessonBodyBlock(), verbose_name=_("lesson content"))

    search_fields = VietnamesePage.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    content_panels = VietnamesePage.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("estimated_minutes"), FieldPanel("is_required")], heading=_("Completion")),
        FieldPanel("body"),
    ]
    parent_page_types = ["content.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def get_context(self, request, *args, **kwargs):
        from lms.learning.selectors import learner_course_state  # the one read path into learning

        context = super().get_context(request, *args, **kwargs)
        course = self.get_parent().specific
        lessons = list(course.lessons())
        quizzes = list(course.quizzes())
        position = next((i for i, lesson in enumerate(lessons) if lesson.pk == self.pk), None)
        context.update(
            course=course,
            lessons=lessons,
            previous_lesson=lessons[position - 1] if position else None,
            next_lesson=lessons[position + 1] if position is not None and position + 1 < len(lessons) else None,
            # after the last lesson, the way on is the course's first quiz
            next_quiz=quizzes[0] if quizzes and position == len(lessons) - 1 else None,
            lesson_number=(position or 0) + 1,
            state=learner_course_state(request.user, course, lessons, quizzes),
        )
        return context
