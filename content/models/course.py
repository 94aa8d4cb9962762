from django import forms
from django.db import models
from django.db.models import Case, Prefetch, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import PageManager
from wagtail.query import PageQuerySet

from lms.core.paging import page_of
from lms.core.text import search_document, search_terms
from lms.people.models import PositionGroup

from ..blocks import ObjectiveBlock
from .base import Competency, CourseCategory, VietnamesePage
from .training import TrainingContent

COVER_RENDITION = "fill-480x270"
COURSES_PER_PAGE = 12


class CourseIndexPage(VietnamesePage):
    """The catalogue: every course below it, with search and filters."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = VietnamesePage.content_panels + [FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.CoursePage"]

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        from lms.learning.selectors import course_badges  # the one read path into learning

        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:100]
        category = request.GET.get("category", "")
        group = request.GET.get("group", "")

        courses = CoursePage.objects.live().child_of(self).for_listing().matching(query)
        if category:
            courses = courses.filter(category__slug=category)
        if group:
            courses = courses.filter(target_groups__code=group)
        page = page_of(courses, request.GET.get("page"), COURSES_PER_PAGE)
        badges = course_badges(request.user, page.object_list)
        for course in page.object_list:
            course.learner_status = badges.get(course.pk)

        context.update(
            query=query,
            selected_category=category,
            selected_group=group,
            categories=CourseCategory.objects.all(),
            groups=PositionGroup.objects.all(),
            courses=page,
        )
        return context


class CoursePageQuerySet(PageQuerySet):
    def for_listing(self):
        images = get_image_model().objects.prefetch_renditions(COVER_RENDITION)
        return self.select_related("category", "content_category").prefetch_related(
            Prefetch("cover_image", queryset=images)
        )

    def matching(self, query):
        """Diacritic-insensitive search. Without diacritics many words collide ("so" is số, sổ, sơ),
        so courses containing the whole phrase win; failing that, every word must start a word."""
        terms = search_terms(query)
        if not terms:
            return self.order_by("path")
        phrase = f" {' '.join(terms)} "
        with_phrase = self.filter(search_text__contains=phrase)
        if len(terms) > 1 and with_phrase.exists():
            matches = with_phrase
        else:
            matches = self
            for term in terms:
                matches = matches.filter(search_text__contains=f" {term}")
        title_first = Case(When(search_title__contains=phrase, then=Value(0)), default=Value(1))
        return matches.order_by(title_first, "path")


class CoursePage(VietnamesePage):
    summary = models.TextField(_("summary"), help_text=_("One or two sentences shown in the catalogue."))
    objectives = StreamField(ObjectiveBlock(), verbose_name=_("learning objectives"), blank=True)
    category = models.ForeignKey(
        CourseCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    target_groups = ParentalManyToManyField(PositionGroup, verbose_name=_("target position groups"), blank=True)
    competencies = ParentalManyToManyField(Competency, verbose_name=_("competency codes"), blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=60)
    # What a training plan (Nghị định 171/2025/NĐ-CP) counts: hours and the training content.
    hours = models.PositiveSmallIntegerField(
        pgettext_lazy("course facts", "hours"),
        default=0,
        blank=True,  # left empty: 0, see save()
        help_text=_(
            "The number of lesson periods (tiết) the course counts for in training plans and training records."
        ),
    )
    content_category = models.ForeignKey(
        TrainingContent,
        verbose_name=_("training content"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        help_text=_("The training content (Decree 171/2025/NĐ-CP) the course belongs to."),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    certificate_validity_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: the certificate does not expire."),
    )
    # A string reference: content sits below certificates and never imports it.
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("certificate template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the default template."),
    )
    # Folded (lower case, no diacritics) copy of the searchable text, kept in step on save.
    search_text = models.TextField(editable=False, blank=True, default="")
    search_title = models.CharField(editable=False, blank=True, default="", max_length=300)

    objects = PageManager.from_queryset(CoursePageQuerySet)()

    content_panels = VietnamesePage.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [
                FieldPanel("category"),
                FieldPanel("target_groups", widget=forms.CheckboxSelectMultiple),
                FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
                FieldPanel("estimated_minutes"),
            ],
            heading=_("Audience and classification"),
        ),
        MultiFieldPanel(
            [FieldPanel("hours"), FieldPanel("content_category")],
            heading=_("Hours and training content"),
        ),
        MultiFieldPanel(
            [FieldPanel("certificate_template"), FieldPanel("certificate_validity_months")],
            heading=_("Certificate"),
        ),
    ]
    parent_page_types = ["content.CourseIndexPage"]
    subpage_types = ["content.LessonPage", "content.QuizPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def save(self, *args, **kwargs):
        if self.hours is None:  # the editor's field left empty: no hours counted
            self.hours = 0
        self.search_text = self.build_search_text()
        self.search_title = search_document(self.title)
        super().save(*args, **kwargs)

    def build_search_text(self):
        parts = [self.title, self.summary, self.category.name if self.category_id else ""]
        parts += [str(block.value) for block in self.objectives]
        parts += [f"{c.code} {c.name}" for c in self.competencies.all()]
        parts += [g.name for g in self.target_groups.all()]
        return search_document(" ".join(parts))

    def lessons(self):
        from .lesson import LessonPage

        return LessonPage.objects.live().child_of(self).order_by("path")

    def quizzes(self):
        from .quiz import QuizPage

        return QuizPage.objects.live().child_of(self).order_by("path")

    def get_context(self, request, *args, **kwargs):
        from lms.learning.selectors import learner_course_state  # the one read path into learning

        context = super().get_context(request, *args, **kwargs)
        # A preview of a course not saved yet has nothing below it and nobody enrolled in it.
        lessons = list(self.lessons()) if self.pk else []
        quizzes = list(self.quizzes()) if self.pk else []
        context["lessons"] = lessons
        context["quizzes"] = quizzes
        context["state"] = learner_course_state(None if self.pk is None else request.user, self, lessons, quizzes)
        context["competency_list"] = list(self.competencies.all())
        context["group_list"] = list(self.target_groups.all())
        return context
