"""The enrolments behind the numbers, for the lists (overdue officials, not started, transcripts)
and row-level exports: the same subtrees, mapping, filters and statuses as the tallies, read from
the raw rows, so that a list of the overdue has exactly as many lines as the dashboard says.
"""

from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractYear

from lms.core.dates import today, zone
from lms.learning.models import Enrollment

from .cube import Filters
from .models import UnitRollup


def statuses(day=None):
    """Q per status of an enrolment, as the tallies count them (overdue as of ``day``)."""
    started = Q(last_activity_at__isnull=False) & (
        Q(cycle_started_at__isnull=True) | Q(last_activity_at__gt=F("cycle_started_at"))
    )
    open_ = Q(completed_at__isnull=True)
    return {
        "completed": Q(completed_at__isnull=False),
        "in_progress": open_ & started,
        "not_started": open_ & ~started,
        "overdue": open_ & Q(due_date__lt=day or today()),
    }


def _values(value):
    return [value] if isinstance(value, str | int) else list(value)


def counted_enrollments(roots, filters=None):
    """The enrolments the tallies of the subtrees ``roots`` count (``aggregation.report_roots``),
    filtered like them: active officials, records placed through the unit map. A queryset, to
    which a status from ``statuses()`` and an order are added."""
    filters = filters or Filters()
    places = UnitRollup.objects.filter(ancestor_id__in=[unit.pk for unit in roots])
    if filters.kind is not None:
        places = places.filter(kind__in=_values(filters.kind))
    records = Enrollment.objects.filter(official__is_active=True).alias(
        counted_unit=Coalesce("unit_id", "official__unit_id")
    )
    records = records.filter(counted_unit__in=places.values("unit_id"))
    if filters.group is not None:
        records = records.filter(official__position_group_id__in=_values(filters.group))
    if filters.course is not None:
        courses = _values(filters.course)
        deleted = Q(course__isnull=True) if 0 in courses else Q(pk__in=[])  # course 0: its page was deleted
        records = records.filter(Q(course_id__in=courses) | deleted)
    if filters.year is not None:
        records = records.alias(
            cycle_year=ExtractYear(Coalesce("cycle_started_at", "enrolled_at"), tzinfo=zone())
        ).filter(cycle_year__in=_values(filters.year))
    return records
