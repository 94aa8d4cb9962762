"""Training records. They point at course pages without cascading: deleting or unpublishing a
page must never erase what an official has done, so titles are kept as snapshots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.people.models import Official


class EnrollmentQuerySet(models.QuerySet):
    def completed(self) -> "EnrollmentQuerySet":
        """Enrolments whose current cycle is complete."""
        return self.filter(completed_at__isnull=False)

    def open(self) -> "EnrollmentQuerySet":
        """Enrolments not (or not yet again, after a recertification) complete."""
        return self.filter(completed_at__isnull=True)


class Enrollment(models.Model):
    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNMENT = "assignment", _("Assigned")

    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="enrollments")
    # The unit the official belonged to when the record was made: records stay with it through
    # moves and mergers; reports map it to today's structure through OrgUnit.successor.
    unit = models.ForeignKey(
        "people.OrgUnit", on_delete=models.PROTECT, null=True, related_name="enrollments", verbose_name=_("unit")
    )
    course = models.ForeignKey("content.CoursePage", on_delete=models.SET_NULL, null=True, related_name="enrollments")
    course_title = models.CharField(_("course title"), max_length=255)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.SELF)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        "content.LessonPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Recertification reopens a completed enrolment as a new cycle: only lessons done and tests
    # passed since the cycle started count towards completing it again.
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1, editable=False)
    cycle_started_at = models.DateTimeField(_("cycle started at"), null=True, blank=True, editable=False)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["official", "course"], name="enrollment_unique_official_course")]
        indexes = [
            models.Index(fields=["official", "completed_at"], name="enrollment_official_done"),
            # HR's overdue and not-started lists read open enrolments in due-date order: with this,
            # a province's first page reads the earliest few thousand instead of sorting them all.
            models.Index(fields=["due_date"], condition=Q(completed_at__isnull=True), name="enrollment_open_due"),
        ]

    def __str__(self):
        return f"{self.official} — {self.course_title}"

    @property
    def is_complete(self):
        return self.completed_at is not None

    def in_cycle(self, moment):
        """Whether something done at ``moment`` counts for the current cycle."""
        return self.cycle_started_at is None or (moment is not None and moment >= self.cycle_started_at)


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey("content.LessonPage", on_delete=models.SET_NULL, null=True, related_name="+")
    lesson_title = models.CharField(_("lesson title"), max_length=255)
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="lessonprogress_unique")]

    def __str__(self):
        return f"{self.enrollment_id}: {self.lesson_title}"


class QuizAttempt(models.Model):
    """One sitting of a quiz. The paper is a snapshot of the questions drawn, with their options in
    the order shown; the correct answers stay on the server until the attempt is graded."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey("content.QuizPage", on_delete=models.SET_NULL, null=True, related_name="+")
    quiz_title = models.CharField(_("quiz title"), max_length=255)
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    deadline = models.DateTimeField(_("time is up at"), null=True, blank=True)
    paper = models.JSONField(default=list, editable=False)
    answers = models.JSONField(default=dict, editable=False)
    answers_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    timed_out = models.BooleanField(_("submitted when time was up"), default=False)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["enrollment", "quiz", "number"]
        constraints = [
            # Numbers are claimed in order, so two parallel starts cannot both become attempt 3 of 3.
            models.UniqueConstraint(fields=["enrollment", "quiz", "number"], name="quizattempt_unique_number"),
            models.UniqueConstraint(
                fields=["enrollment", "quiz"],
                condition=models.Q(submitted_at__isnull=True),
                name="quizattempt_one_open",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "submitted_at"], name="quizattempt_quiz_submitted")]

    def __str__(self):
        return f"{self.enrollment_id}: {self.quiz_title} #{self.number}"

    @property
    def is_open(self):
        return self.submitted_at is None


class AttemptAnswer(models.Model):
    """The graded answer to one question of a paper: what the trainer's statistics count."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="graded_answers")
    question = models.ForeignKey("content.Question", on_delete=models.SET_NULL, null=True, related_name="+")
    position = models.PositiveSmallIntegerField()
    credit = models.DecimalField(max_digits=5, decimal_places=4)
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="attemptanswer_unique_position")]

    def __str__(self):
        return f"{self.attempt_id}/{self.position}: {self.credit}"

    @property
    def is_correct(self):
        return self.credit >= 1
