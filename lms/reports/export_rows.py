"""The enrolments behind the dashboard's numbers, one row each: what a row-level export holds.

``header()`` / ``rows(roots, filters, list_name, day)``
    The columns (in the active language) and the rows, as tuples of text, of the enrolments that
    ``records.counted_enrollments`` counts for the subtrees ``roots`` with ``filters``: all of
    them (``"all"``, each with its status) or one status of ``records.statuses`` (``LISTS``). The
    rows come from one query, streamed (``stream``: PostgreSQL's COPY on a connection of its own,
    else a chunked cursor), with the status decided in SQL by the same conditions as the tallies,
    local dates truncated in SQL, and the official's current unit and position group looked up in
    dicts read once. Every text cell is passed through ``spreadsheets.sheet_cell``, so a name
    such as ``=HYPERLINK(…)`` never runs in a spreadsheet.
``expected_rows(roots, filters, list_name, day)`` / ``count_of(numbers, list_name)``
    How many rows that is, from the tallies (``aggregation.summary``): no count over the rows.
"""

from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from lms.core.dates import zone
from lms.core.spreadsheets import sheet_cell
from lms.people.models import OrgUnit, PositionGroup

from . import aggregation, records
from .models import ReportExport

LISTS = tuple(ReportExport.LISTS)
CHUNK = 2000  # rows per fetch from the server-side cursor
# The types of ``queryset``'s columns, for reading them from COPY's text.
COPY_TYPES = ("text", "text", "int8", "int8", "text", "int4", "date", "date", "date", "date")

# Status codes decided in SQL; their labels are read once per file.
COMPLETED, IN_PROGRESS, NOT_STARTED, IN_PROGRESS_OVERDUE, NOT_STARTED_OVERDUE = range(5)


def header():
    return (
        _("Employee code"),
        _("Full name"),
        _("Unit code"),
        _("Unit"),
        _("Position group"),
        _("Course"),
        _("Status"),
        _("Enrolled on"),
        _("Due date"),
        _("Completed on"),
        _("Last activity"),
    )


def status_labels():
    """Labels by status code; an overdue enrolment says so besides being started or not."""
    overdue = _("overdue")
    return (
        _("Completed"),
        _("In progress"),
        _("Not started"),
        f"{_('In progress')}, {overdue}",
        f"{_('Not started')}, {overdue}",
    )


def _status_code(conditions):
    overdue, started = conditions["overdue"], conditions["in_progress"]
    return Case(
        When(conditions["completed"], then=Value(COMPLETED)),
        When(overdue & started, then=Value(IN_PROGRESS_OVERDUE)),
        When(overdue, then=Value(NOT_STARTED_OVERDUE)),
        When(started, then=Value(IN_PROGRESS)),
        default=Value(NOT_STARTED),
        output_field=IntegerField(),
    )


def queryset(roots, filters=None, list_name="all", day=None):
    """The rows' values as tuples: employee code, name, unit id, group id, course, status code,
    and the local dates of enrolment, due, completion and last activity."""
    if list_name not in LISTS:
        raise ValueError(list_name)
    conditions = records.statuses(day)
    enrollments = records.counted_enrollments(aggregation.report_roots(roots), filters)
    if list_name != "all":
        enrollments = enrollments.filter(conditions[list_name])
    local = zone()
    return (
        enrollments.annotate(
            status_code=_status_code(conditions),
            enrolled_on=TruncDate("enrolled_at", tzinfo=local),
            completed_on=TruncDate("completed_at", tzinfo=local),
            active_on=TruncDate("last_activity_at", tzinfo=local),
        )
        .order_by("official__unit__path", "official__full_name", "official_id", "pk")
        .values_list(
            "official__employee_code",
            "official__full_name",
            "official__unit_id",
            "official__position_group_id",
            "course_title",
            "status_code",
            "enrolled_on",
            "due_date",
            "completed_on",
            "active_on",
        )
    )


class _Dates(dict):
    """dd/mm/yyyy of a date, computed once per distinct date (a few thousand in two million rows)."""

    def __missing__(self, day):
        text = self[day] = "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"
        return text


def _text(value):
    """A text cell, the same in CSV and XLSX (``spreadsheets.sheet_cell``); nothing for None."""
    return sheet_cell(value or "")


def rows(roots, filters=None, list_name="all", day=None):
    """The rows of the file (see the module's docstring), streamed: tuples of text."""
    units = {pk: (_text(code), _text(name)) for pk, code, name in OrgUnit.objects.values_list("pk", "code", "name")}
    groups = {pk: _text(name) for pk, name in PositionGroup.objects.values_list("pk", "name")}
    labels = status_labels()
    dates = _Dates()
    safe = _text
    no_unit = ("", "")
    for code, name, unit_id, group_id, course, status, enrolled, due, completed, active in stream(
        queryset(roots, filters, list_name, day)
    ):
        unit_code, unit_name = units.get(unit_id, no_unit)
        yield (
            safe(code),
            safe(name),
            unit_code,
            unit_name,
            groups.get(group_id, ""),
            safe(course),
            labels[status],
            dates[enrolled],
            dates[due],
            dates[completed],
            dates[active],
        )


def stream(values):
    """The tuples of the ``values_list`` queryset ``values`` (of ``queryset``'s columns), streamed.

    On PostgreSQL, outside a transaction, through ``COPY (query) TO STDOUT`` on a connection of
    its own: measured on two million rows, psycopg parses COPY's rows faster than a server-side
    cursor fetches them, and PostgreSQL may plan the query in parallel and for all its rows (a
    cursor is planned for its first rows, and never in parallel); the job's own connection stays
    free for writing the progress meanwhile. Inside a transaction (which the other connection
    would not see) and on other databases: the queryset's chunked ``iterator``."""
    from django.db import connections

    if connections[values.db].vendor != "postgresql" or connections[values.db].in_atomic_block:
        yield from values.iterator(chunk_size=CHUNK)
        return
    import psycopg

    sql, params = values.query.sql_with_params()
    reader = connections.create_connection(values.db)
    reader.ensure_connection()
    abandoned = False
    try:
        with psycopg.ClientCursor(reader.connection) as cursor:
            try:
                with cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
                    copy.set_types(COPY_TYPES)
                    yield from copy.rows()
            except GeneratorExit:  # left half read: stop the query rather than read the rest
                abandoned = True
                reader.connection.cancel_safe()
                raise
    except psycopg.errors.QueryCanceled:
        if not abandoned:
            raise
    finally:
        reader.close()


def expected_rows(roots, filters=None, list_name="all", day=None):
    """The number of rows, as the dashboard shows it (from the tallies, not a count of the rows)."""
    if not roots:
        return 0
    return count_of(aggregation.summary(roots, filters, today=day), list_name)


def count_of(numbers, list_name):
    """How many rows the list ``list_name`` has, from a summary's ``Numbers``."""
    return numbers.enrolled if list_name == "all" else getattr(numbers, list_name)


