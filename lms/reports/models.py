"""Tallies behind the reports, and the two maps they are computed through.

Keys are plain integers, not foreign keys: tallies are derived data, rebuilt from the raw tables,
and must neither hold up nor follow the deletion of what they count (a deleted course page counts
as course 0). Every tally row is about one *tally unit*: an open unit, covering its whole subtree.
"""

from django.db import models


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


class EnrollmentTally(models.Model):
    """Enrolments of a subtree by kind of unit, position group, course and year of the cycle."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id", "course_id", "year")
    unit_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    position_group_id = models.IntegerField()
    course_id = models.IntegerField()  # 0: the course page was deleted
    year = models.IntegerField()
    enrolled = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)

    def __str__(self):
        return str(self.pk)


class DueTally(models.Model):
    """Incomplete enrolments with a due date, by that date: overdue is decided at query time."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id", "course_id", "year", "due_date")
    unit_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    position_group_id = models.IntegerField()
    course_id = models.IntegerField()
    year = models.IntegerField()
    due_date = models.DateField()
    pending = models.IntegerField(default=0)

    class Meta:
        # Overdue reads only the rows before today, which folding keeps to one per key.
        indexes = [models.Index(fields=["unit_id", "due_date"], name="reports_due_unit_date")]

    def __str__(self):
        return str(self.pk)


class CompletionTally(models.Model):
    """Current completions by local month of completion (``month`` = year * 100 + month)."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id", "course_id", "year", "month")
    unit_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    position_group_id = models.IntegerField()
    course_id = models.IntegerField()
    year = models.IntegerField()
    month = models.IntegerField()
    completed = models.IntegerField(default=0)

    def __str__(self):
        return str(self.pk)


class HeadcountTally(models.Model):
    """Active officials of a subtree by kind of their unit and position group."""

    pk = models.CompositePrimaryKey("unit_id", "kind", "position_group_id")
    unit_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    position_group_id = models.IntegerField()
    active = models.IntegerField(default=0)

    def __str__(self):
        return str(self.pk)
