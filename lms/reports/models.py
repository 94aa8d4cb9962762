"""Tallies behind the reports, the two maps they are computed through, and the row-level exports
that HR asks for (``ReportExport``).

Keys are plain integers, not foreign keys: tallies are derived data, rebuilt from the raw tables,
and must neither hold up nor follow the deletion of what they count (a deleted course page counts
as course 0). Every tally row is about one *tally unit*: an open unit, covering its whole subtree.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.core.jobs import FileJob, per_user
from lms.core.storage import private_storage


class UnitRollup(models.Model):
    """Where the records of a unit (open or closed) count today: one row per tally unit — its
    current unit and every open unit above it — with the kind of that current unit."""

    unit_id = models.IntegerField()
    ancestor_id = models.IntegerField()
    kind = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "ancestor_id"], name="reports_rollup_unique")]

    def __str__(self):
        return f"{self.unit_id} → {self.ancestor_id}"


class TalliedOfficial(models.Model):
    """The state of an official that the tallies currently assume; a change of the official is
    applied as the difference between this and the new state."""

    official_id = models.IntegerField(primary_key=True)
    unit_id = models.IntegerField()
    position_group_id = models.IntegerField()
    is_active = models.BooleanField()

    def __str__(self):
        return f"official {self.official_id}"


class TallyKey(models.Model):
    """What every tally row is keyed by first: the tally unit, the kind of the unit the records
    count in, and the position group. Each tally declares its composite primary key itself."""

    unit_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    position_group_id = models.IntegerField()

    class Meta:
        abstract = True

    def __str__(self):
        return str(self.pk)


class CourseTallyKey(TallyKey):
    """The key of the enrolment tallies: also the course and the year the cycle started."""

    course_id = models.IntegerField()  # 0: the course page was deleted
    year = models.IntegerField()

    class Meta:
        abstract = True


class EnrollmentTally(CourseTallyKey):
    """Enrolments of a subtree by kind of unit, position group, course and year of the cycle."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id", "course_id", "year")
    enrolled = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)


class DueTally(CourseTallyKey):
    """Incomplete enrolments with a due date, by that date: overdue is decided at query time."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id", "course_id", "year", "due_date")
    due_date = models.DateField()
    pending = models.IntegerField(default=0)

    class Meta:
        # Overdue reads only the rows before today, which folding keeps to one per key.
        indexes = [models.Index(fields=["unit_id", "due_date"], name="reports_due_unit_date")]


class CompletionTally(CourseTallyKey):
    """Current completions by local month of completion (``month`` = year * 100 + month)."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id", "course_id", "year", "month")
    month = models.IntegerField()
    completed = models.IntegerField(default=0)


class HeadcountTally(TallyKey):
    """Active officials of a subtree by kind of their unit and position group."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id")
    active = models.IntegerField(default=0)


def export_upload_to(export, filename):
    return f"report-exports/{timezone.now():%Y/%m}/{filename}"


class ReportExport(FileJob):
    """The enrolments behind a dashboard number (a list: all, overdue, not started…) of a unit, as
    CSV or XLSX, that an HR user asked for; built by a Celery task (``export_jobs.build``) into the
    private storage; only its requester downloads it, while the units stay in their scope."""

    # The lists are "all" and the statuses of ``records.statuses``.
    LISTS = {
        "all": _("All enrolments"),
        "overdue": _("Overdue"),
        "not_started": _("Not started"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
    }
    FORMATS = {"csv": "CSV", "xlsx": "XLSX (Excel)"}

    # None: all the subtrees the requester reports on (``root_ids``, as they were when asked).
    unit = models.ForeignKey(
        "people.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    root_ids = models.JSONField(_("units exported"), default=list, blank=True)
    list_name = models.CharField(_("list"), max_length=20, choices=LISTS, default="all")
    # The dashboard filters: {"year": 2025, "course": id, "group": id, "kind": "commune"}.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=FORMATS, default="csv")
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_upload_to, storage=private_storage, max_length=255, blank=True)

    class Meta(FileJob.Meta):
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        indexes, constraints = per_user("reportexport")
