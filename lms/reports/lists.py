"""The officials behind two of the dashboard's numbers: the overdue enrolments and the enrolments not
started, one line per enrolment, for the same subtrees, filters and statuses as the tallies
(``records``), so that a list has exactly as many lines as the card says.

``enrollments(kind, units, filters=None, source=None, day=None)``
    The queryset of a list (``kind`` in ``KINDS``), in the order it is shown: due date (none last),
    the official's unit in tree order, name. ``source`` (an ``Enrollment.Source``) narrows it to
    assigned or self-enrolled courses; the dashboard counts both.
``page(kind, units, filters, number, source=None, day=None)``
    One page of ``PER_PAGE`` lines. Without ``source`` the paginator takes its count from the tallies
    (``aggregation.summary``: a few rows) instead of a ``COUNT(*)`` over the join of two million
    enrolments; with it, the database counts the narrower set. Out-of-range or malformed page
    numbers give the nearest page.
"""

from django.db.models import F, Q

from lms.core.dates import today
from lms.core.paging import page_of
from lms.learning.models import Enrollment

from . import aggregation, records
from .models import UnitRollup

KINDS = ("overdue", "not_started")
PER_PAGE = 50
SOURCES = tuple(Enrollment.Source.values)
# A subtree of at most so many units (a commune, a district) is read through the index on the
# enrolment's unit; a larger one (a province) is read whole anyway.
NARROW_UNITS = 1000


def _narrowed(rows, roots):
    """``rows`` with a redundant condition the database can answer from the index on the
    enrolment's unit: a record counted in a subtree was made in one of the units mapped into it, or
    in none (then the official's unit counts). ``counted_enrollments`` compares a COALESCE of the
    two, which no index serves: without this a commune's list read all two million enrolments."""
    places = UnitRollup.objects.filter(ancestor_id__in=[root.pk for root in roots])
    unit_ids = list(places.values_list("unit_id", flat=True)[: NARROW_UNITS + 1])
    if len(unit_ids) > NARROW_UNITS:
        return rows
    return rows.filter(Q(unit_id__in=unit_ids) | Q(unit_id__isnull=True))


def enrollments(kind, units, filters=None, source=None, day=None):
    if kind not in KINDS:
        raise ValueError(f"Unknown list {kind!r}")
    roots = aggregation.report_roots(units)
    rows = _narrowed(records.counted_enrollments(roots, filters), roots).filter(records.statuses(day)[kind])
    if source is not None:
        rows = rows.filter(source=source)
    return rows.select_related("official__unit", "official__position_group").order_by(
        F("due_date").asc(nulls_last=True), "official__unit__path", "official__full_name", "pk"
    )


def page(kind, units, filters, number, source=None, day=None):
    day = day or today()
    count = None if source is not None else getattr(aggregation.summary(units, filters, day), kind)
    result = page_of(enrollments(kind, units, filters, source, day), number, PER_PAGE, count=count)
    for enrollment in result.object_list:
        enrollment.days_overdue = (day - enrollment.due_date).days if enrollment.due_date else None
    return result
