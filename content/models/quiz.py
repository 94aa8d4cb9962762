"""Assessment content: a course's question bank and the quizzes that draw from it.

What an official answered, and how it was graded, lives in ``lms.learning``; a paper keeps a
snapshot of its questions, so editing the bank never changes an attempt already started.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.models import Orderable

from ..forms import QuestionForm
from .base import VietnamesePage


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey("content.Question", on_delete=models.CASCADE, related_name="tagged_items")


class Question(ClusterableModel):
    """One question of a course's bank. For an ordering question the options are entered in the
    correct order; the paper shuffles them."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True / false")
        ORDERING = "ordering", _("Put the steps in order")

    class Scoring(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        PARTIAL = "partial", _("Partial credit")

    course = models.ForeignKey(
        "content.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="questions"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    prompt = models.TextField(_("question"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For example a screenshot of the software."),
    )
    image_alt = models.CharField(
        _("alternative text"),
        max_length=255,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    scoring = models.CharField(
        _("scoring"),
        max_length=20,
        choices=Scoring.choices,
        default=Scoring.ALL_OR_NOTHING,
        help_text=_(
            "Multiple choice and ordering only. Partial credit: right choices minus wrong ones, "
            "or the share of steps in their place."
        ),
    )
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Shown in the review after grading."))
    tags = ClusterTaggableManager(
        through=QuestionTag, blank=True, verbose_name=_("tags"), help_text=_("Competency codes or topics, e.g. IU03.")
    )
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Unticked: no longer drawn into papers."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    base_form_class = QuestionForm

    panels = [
        PageChooserPanel("course", "content.CoursePage"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("scoring")]),
        FieldPanel("prompt"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("Image")),
        InlinePanel("options", label=_("Options"), min_num=2, max_num=8),
        FieldPanel("explanation"),
        FieldPanel("tags"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["course", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["course", "is_active"], name="question_course_active")]

    def __str__(self):
        return self.prompt[:80]

    def clean(self):
        if self.image_id and not self.image_alt.strip():
            raise ValidationError({"image_alt": _("Describe the image for readers who cannot see it.")})


def check_options(kind, options):
    """Why a question's options do not fit its type, or None. ``options`` are (text, is_correct)."""
    options = [(text.strip(), correct) for text, correct in options if text.strip()]
    correct = sum(1 for _text, is_correct in options if is_correct)
    if len(options) < 2:
        return _("A question needs at least two options.")
    if len({text for text, _c in options}) < len(options):
        return _("Two options have the same text.")
    if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and correct != 1:
        return _("Mark exactly one option as correct.")
    if kind == Question.Kind.TRUE_FALSE and len(options) != 2:
        return _("A true / false question has exactly two options.")
    if kind == Question.Kind.MULTIPLE and (correct < 1 or correct == len(options)):
        return _("Mark at least one correct option and leave at least one wrong one.")
    if kind == Question.Kind.ORDERING and len(options) < 3:
        return _("An ordering question needs at least three steps.")
    return None


class QuestionOption(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False, help_text=_("Ignored for ordering questions."))

    panels = [FieldRowPanel([FieldPanel("text"), FieldPanel("is_correct")])]

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self):
        return self.text


class QuizPage(VietnamesePage):
    """A practice quiz or the final test of a course: its paper is drawn anew for every attempt."""

    class Kind(models.TextChoices):
        PRACTICE = "practice", _("Practice quiz")
        FINAL = "final", _("Final test")

    class Review(models.TextChoices):
        SCORE_ONLY = "score", _("Score only")
        AFTER_PASSING = "after_pass", _("Answers once passed")
        FULL = "full", _("Full review")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.FINAL)
    intro = models.TextField(_("introduction"), blank=True)
    is_required = models.BooleanField(
        _("required for completion"), default=True, help_text=_("The course completes only once this is passed.")
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3, help_text=_("0: no limit."))
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), default=20, help_text=_("0: none.")
    )
    min_wait_minutes = models.PositiveIntegerField(
        _("minimum wait between attempts (minutes)"), default=0, help_text=_("0: may retry at once.")
    )
    review = models.CharField(_("review after grading"), max_length=20, choices=Review.choices, default=Review.FULL)

    content_panels = VietnamesePage.content_panels + [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("is_required")]),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("questions_per_attempt"),
                InlinePanel("draw_rules", label=_("Questions per tag")),
            ],
            heading=_("Paper"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts")]),
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("min_wait_minutes")]),
                FieldPanel("review"),
            ],
            heading=_("Rules"),
        ),
    ]
    parent_page_types = ["content.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    @property
    def course_id(self):
        return self.get_parent().pk

    def get_context(self, request, *args, **kwargs):
        from lms.learning.selectors import learner_quiz_state  # the one read path into learning

        context = super().get_context(request, *args, **kwargs)
        course = self.get_parent().specific
        context.update(course=course, quiz_state=learner_quiz_state(request.user, self))
        return context


class QuizDrawRule(Orderable):
    """Draw so many questions carrying a tag; the rest of the paper comes from the whole bank."""

    quiz = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="draw_rules")
    tag = models.CharField(_("tag"), max_length=100)
    count = models.PositiveSmallIntegerField(_("questions"), validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("tag"), FieldPanel("count")])]

    class Meta(Orderable.Meta):
        verbose_name = _("questions per tag")
        verbose_name_plural = _("questions per tag")
