"""Training plans (kế hoạch đào tạo, bồi dưỡng) and the obligations they create.

A plan of a unit for a year holds requirements: a course, a target rule over the org tree and a due
rule. Whoever matches a requirement of an active plan has an ``Obligation``: an assigned enrolment
with a due date and a reason. Leaving the target ends the obligation (``ended_at``), never the
enrolment. ``PlanTally`` counts the open obligations by requirement, unit, position group, job
position, leadership title and due date, kept in step in the transaction that changes them.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lms.core.jobs import Tracked


class TrainingPlanQuerySet(models.QuerySet):
    def active(self) -> "TrainingPlanQuerySet":
        return self.filter(status=TrainingPlan.Status.ACTIVE)


class TrainingPlan(Tracked):
    """A unit's plan for a year. Draft → (activating) → active → closed; activating is a job."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("plan status", "Draft")
        ACTIVATING = "activating", pgettext_lazy("plan status", "Activating")
        ACTIVE = "active", pgettext_lazy("plan status", "Active")
        CLOSED = "closed", pgettext_lazy("plan status", "Closed")

    name = models.CharField(_("name"), max_length=255)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    owner_unit = models.ForeignKey(
        "people.OrgUnit", on_delete=models.PROTECT, related_name="training_plans", verbose_name=_("owning unit")
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    reminder_days = models.CharField(
        _("reminders before the due date (days)"),
        max_length=40,
        default="14,3",
        help_text=_("Days before the due date on which officials are reminded, separated by commas, e.g. 14,3."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The activation job's progress (officials processed of those matched) and its last refusal.
    total = models.PositiveIntegerField(default=0, editable=False)
    processed = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    objects = TrainingPlanQuerySet.as_manager()  # type: ignore[misc]  # Tracked declares a plain manager

    class Meta:
        ordering = ["-year", "name", "pk"]
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        indexes = [models.Index(fields=["status"], name="training_plan_status")]

    def __str__(self):
        return f"{self.name} ({self.year})"

    @property
    def reminder_offsets(self) -> list[int]:
        return parse_reminder_days(self.reminder_days)

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 0


def parse_reminder_days(text: str) -> list[int]:
    """``"14, 3"`` → ``[14, 3]`` (distinct, descending); raises ValueError on anything else."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    days = sorted({int(part) for part in parts}, reverse=True)
    if any(day < 1 or day > 365 for day in days) or len(days) > 5:
        raise ValueError(text)
    return days


class Requirement(models.Model):
    """One course of a plan, for whom and by when."""

    class DueRule(models.TextChoices):
        FIXED = "fixed", _("On a fixed date")
        AFTER_ASSIGNMENT = "after_assignment", _("N days after being assigned")
        AFTER_JOINING = "after_joining", _("N days after joining the unit")
        AFTER_POSITION = "after_position", _("N days after taking the position")

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="requirements")
    course = models.ForeignKey(
        "content.CoursePage", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("course")
    )
    course_title = models.CharField(_("course title"), max_length=255)
    audience = models.CharField(
        _("target group"),
        max_length=160,
        help_text=_("Who this is for, in words officials read as the reason, e.g. “Lãnh đạo cấp xã”."),
    )
    mandatory = models.BooleanField(_("mandatory"), default=True)
    units = models.ManyToManyField("people.OrgUnit", related_name="+", verbose_name=_("units (with everything below)"))
    position_groups = models.ManyToManyField(
        "people.PositionGroup", blank=True, related_name="+", verbose_name=_("position groups")
    )
    job_positions = models.ManyToManyField(
        "people.JobPosition", blank=True, related_name="+", verbose_name=_("job positions")
    )
    leadership_titles = models.ManyToManyField(
        "people.LeadershipTitle", blank=True, related_name="+", verbose_name=_("leadership titles")
    )
    joined_after = models.DateField(_("joined the unit after"), null=True, blank=True)
    due_rule = models.CharField(_("due"), max_length=20, choices=DueRule.choices, default=DueRule.FIXED)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("number of days"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("plan requirement")
        verbose_name_plural = _("plan requirements")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_rule="fixed", due_date__isnull=False) | (~Q(due_rule="fixed") & Q(due_days__gte=1)),
                name="requirement_due_rule_complete",
            )
        ]

    def __str__(self):
        return f"{self.course_title} — {self.audience}"

    @property
    def reason(self) -> str:
        return f"{self.audience} — {self.plan.name}"


class Exclusion(models.Model):
    """A named official left out of a requirement, with the reason."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="exclusions")
    official = models.ForeignKey("people.Official", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [models.UniqueConstraint(fields=["requirement", "official"], name="exclusion_unique")]

    def __str__(self):
        return f"{self.official_id} ∉ {self.requirement_id}"


class ObligationQuerySet(models.QuerySet):
    def current(self) -> "ObligationQuerySet":
        """Obligations still in force (the official is in the target of an active plan)."""
        return self.filter(ended_at__isnull=True)


class Obligation(models.Model):
    """An official's duty to complete a requirement's course by a date: why, since when, until
    when. Unique per requirement and official; ended, never deleted, when they leave the target.

    ``unit_id`` … ``title_id`` are the official's facts the tallies counted the obligation under
    (0: no job position / no title), updated when the official changes."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="obligations")
    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="obligations")
    official = models.ForeignKey("people.Official", on_delete=models.PROTECT, related_name="obligations")
    enrollment = models.ForeignKey("learning.Enrollment", on_delete=models.PROTECT, related_name="obligations")
    assigned_at = models.DateTimeField(_("assigned at"))
    rule_due_date = models.DateField(_("due date by the rule"))
    due_date = models.DateField(_("due date"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # 1, then one more each time the official comes back into the target: the ledger's cycle.
    round = models.PositiveSmallIntegerField(default=1, editable=False)
    unit_id_counted = models.IntegerField(db_column="tally_unit_id")
    group_id_counted = models.IntegerField(db_column="tally_group_id")
    position_id_counted = models.IntegerField(db_column="tally_position_id")
    title_id_counted = models.IntegerField(db_column="tally_title_id")

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("training obligation")
        verbose_name_plural = _("training obligations")
        constraints = [models.UniqueConstraint(fields=["requirement", "official"], name="obligation_unique")]
        indexes = [
            models.Index(fields=["official", "ended_at"], name="obligation_official"),
            models.Index(fields=["enrollment"], name="obligation_enrollment"),
            models.Index(fields=["due_date"], condition=Q(ended_at__isnull=True), name="obligation_open_due"),
        ]

    def __str__(self):
        return f"{self.official_id} → {self.requirement_id} by {self.due_date}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    def is_overdue(self, today: datetime.date) -> bool:
        return self.ended_at is None and self.due_date < today


class Extension(models.Model):
    """A new due date granted to one official for one obligation; the latest one holds."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="extensions")
    previous_due_date = models.DateField(_("previous due date"))
    due_date = models.DateField(_("new due date"))
    reason = models.CharField(_("reason"), max_length=255)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["obligation", "-granted_at", "-pk"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self):
        return f"{self.obligation_id}: {self.previous_due_date} → {self.due_date}"


class PlanTally(models.Model):
    """Open obligations of a requirement by the official's unit, position group, job position,
    leadership title and due date: targeted, completed and in progress (overdue: due before today
    and not completed, decided at query time). Plain integers, rebuilt from the obligations."""

    pk = models.CompositePrimaryKey(
        "requirement_id", "unit_id", "position_group_id", "job_position_id", "title_id", "due_date"
    )
    requirement_id = models.IntegerField()
    unit_id = models.IntegerField()
    position_group_id = models.IntegerField()
    job_position_id = models.IntegerField()
    title_id = models.IntegerField()
    due_date = models.DateField()
    targeted = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)

    def __str__(self):
        return str(self.pk)
