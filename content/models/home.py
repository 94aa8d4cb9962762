from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from .base import VietnamesePage


class HomePage(VietnamesePage):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = VietnamesePage.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.CourseIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from lms.learning.selectors import learner_dashboard  # the one read path into learning

        from .course import CourseIndexPage, CoursePage

        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = CourseIndexPage.objects.live().child_of(self).first()
        context["featured_courses"] = CoursePage.objects.live().descendant_of(self).for_listing()[:6]
        context["learning"] = learner_dashboard(request.user, limit=3)
        return context
