"""The enrolments behind the dashboard's numbers, one row each, as a CSV or XLSX file built by a
Celery task: up to the province's two million rows, streamed from the database in constant memory.

``header()`` / ``rows(roots, filters, list_name, day)``
    The columns (in the active language) and the rows, as tuples of text, of the enrolments that
    ``records.counted_enrollments`` counts for the subtrees ``roots`` with ``filters``: all of
    them (``"all"``, each with its status) or one status of ``records.statuses`` (``LISTS``). The
    rows come from one query, streamed (``stream``: PostgreSQL's COPY on a connection of its own,
    else a chunked cursor), with the status decided in SQL by the same conditions as the tallies,
    local dates truncated in SQL, and the official's current unit and position group looked up in
    dicts read once. Every text cell is passed through
    ``safe_cell``, so a name such as ``=HYPERLINK(…)`` never runs in a spreadsheet.
``expected_rows(roots, filters, list_name, day)``
    How many rows that is, from the tallies (``aggregation.summary``): no count over the rows.
``start(user, unit, list_name, filters, fmt) -> ReportExport``
    Records the request and enqueues ``tasks.build_report_export`` on commit. ``unit`` must lie in
    the subtrees the user reports on (``aggregation.roots_for_user``), else ``OutOfScope``; None
    means all of them. Raises ``ExportRefused`` while an export of theirs is in the making.
``build(export_id)``
    Writes the rows into a temporary file (CSV: UTF-8 with a BOM, for Excel; XLSX: streamed by
    ``xlsx_stream``, a new sheet every ``XLSX_MAX_ROWS``), then into the private storage. The subtrees
    are the request's as far as the requester may still read them when it runs. Progress (``done``
    of ``total``) is written every ``PROGRESS_EVERY`` rows.
``get_for_user(user, pk)`` / ``for_user(user)``
    Only the requester sees an export, and only while its units are in their scope.
``prune(now=None)``
    Hourly (beat): as ``jobs.prune``.
"""

import csv
import datetime
import io
import itertools
import tempfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from lms.celery import enqueue_on_commit
from lms.core import jobs
from lms.people.csv_safety import sheet_cell
from lms.people.models import OrgUnit, PositionGroup
from lms.text import file_name_part

from . import aggregation, records, xlsx_stream
from .cube import Filters
from .maintenance import today, zone
from .models import ReportExport

LISTS = tuple(ReportExport.LISTS)
FORMATS = tuple(ReportExport.FORMATS)
CHUNK = 2000  # rows per fetch from the server-side cursor
WRITE_BATCH = 1000  # rows handed to the writer at a time
PROGRESS_EVERY = 20_000  # rows between two writes of the progress
XLSX_MAX_ROWS = 1_048_576  # rows per sheet in Excel, the header included
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILTER_NAMES = ("year", "course", "group", "kind")
# The types of ``queryset``'s columns, for reading them from COPY's text.

COPY_TYPES = ("text", "text", "int8", "int8", "text", "int4", "date", "date", "date", "date")

# Status codes decided in SQL; their labels are read once per file.
COMPLETED, IN_PROGRESS, NOT_STARTED, IN_PROGRESS_OVERDUE, NOT_STARTED_OVERDUE = range(5)


class ExportRefused(ValueError):
    """The request cannot be taken; the message is translated."""


class OutOfScope(ExportRefused):
    """The unit is not one the user reports on."""


# What is exported ------------------------------------------------------------------------------


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
    """A text cell, the same in CSV and XLSX (``csv_safety.sheet_cell``); nothing for None."""
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


# Who asks and who sees --------------------------------------------------------------------------


def filters_of(export):
    return Filters(**{key: value for key, value in export.filters.items() if key in FILTER_NAMES})


def export_roots(export):
    """The subtrees the export covers, as far as its requester may read them now."""
    allowed = aggregation.roots_for_user(export.requested_by)
    units = OrgUnit.objects.filter(pk__in=export.root_ids)
    return aggregation.report_roots([unit for unit in units if aggregation.is_within(unit, allowed)])


def _visible(exports, user):
    """Those of ``exports`` that ``user`` may see: theirs, every unit of them still in their scope."""
    roots = aggregation.roots_for_user(user)
    ids = {pk for export in exports for pk in export.root_ids}
    units = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=ids)} if ids else {}
    return [
        export
        for export in exports
        if export.requested_by_id == user.pk
        and export.root_ids
        and all(pk in units and aggregation.is_within(units[pk], roots) for pk in export.root_ids)
    ]


def for_user(user, limit=10):
    """The user's latest exports that they may still see (three queries)."""
    return _visible(list(ReportExport.objects.filter(requested_by=user).select_related("unit")[: limit * 2]), user)[
        :limit
    ]


def get_for_user(user, pk):
    """The user's export ``pk`` if they may still see it, else None."""
    return next(
        iter(_visible(list(ReportExport.objects.filter(pk=pk, requested_by=user).select_related("unit")), user)), None
    )


def start(user, unit, list_name, filters=None, fmt="csv"):
    from .tasks import build_report_export

    if list_name not in LISTS or fmt not in FORMATS:
        raise ValueError((list_name, fmt))
    roots = aggregation.roots_for_user(user)
    if unit is not None and (unit.is_closed or not aggregation.is_within(unit, roots)):
        raise OutOfScope(_("You do not report on this unit."))
    if not roots:
        raise OutOfScope(_("You do not report on any unit."))
    filters = filters or Filters()
    try:
        with transaction.atomic():
            export = ReportExport.objects.create(
                requested_by=user,
                unit=unit,
                root_ids=[unit.pk] if unit else [root.pk for root in roots],
                list_name=list_name,
                filters={key: getattr(filters, key) for key in FILTER_NAMES if getattr(filters, key) is not None},
                format=fmt,
            )
    except IntegrityError:  # the constraint allows one export in the making per user
        raise ExportRefused(_("An export of yours is still being prepared. Please wait until it is ready.")) from None
    enqueue_on_commit(build_report_export, export.pk)
    return export


# Building ---------------------------------------------------------------------------------------


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _advance(done, more, progress):
    """``done + more``, telling ``progress`` each time a multiple of ``PROGRESS_EVERY`` is passed."""
    if progress and (done + more) // PROGRESS_EVERY > done // PROGRESS_EVERY:
        progress(done + more)
    return done + more


def write_csv(handle, lines, progress=None):
    """CSV (UTF-8 with a BOM, so that Excel reads the Vietnamese) of ``header()`` and ``lines``
    into the binary file ``handle``; returns the number of rows."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    text.write("\ufeff")
    writer = csv.writer(text)
    writer.writerow(header())
    done = 0
    for chunk in _chunks(lines, WRITE_BATCH):
        writer.writerows(chunk)
        done = _advance(done, len(chunk), progress)
    text.flush()
    text.detach()
    return done


WIDTHS = (14, 28, 12, 32, 18, 36, 20, 12, 12, 12, 12)
# Unit, group, course, status and dates repeat from row to row; codes and names hardly do.
REPEATED = range(2, 11)


def write_xlsx(handle, lines, progress=None, title=None):
    """An XLSX workbook of ``header()`` and ``lines`` into ``handle`` (``xlsx_stream``, several
    times openpyxl's speed): a sheet holds at most ``XLSX_MAX_ROWS`` rows with its header; the rest
    continues on the next. Returns the number of rows."""
    title = "".join(c for c in str(title or _("Enrolments")) if c not in "[]:*?/\\")[:24] or "Sheet"
    batches = _chunks(lines, WRITE_BATCH)  # ``rows`` made every text fit for a sheet already
    written = 0

    def advance(done):
        nonlocal written
        written = _advance(written, done - written, progress)

    return xlsx_stream.write(
        handle,
        header(),
        batches,
        title=title,
        max_rows=XLSX_MAX_ROWS,
        widths=WIDTHS,
        repeated=REPEATED,
        progress=advance,
    )


STAGE = "report-export"


def build(export_id, task=None):
    """The task's body: claim the export, write it (``jobs.build``)."""
    return jobs.build(jobs.stage(STAGE), export_id, _build, task)


def _build(export):
    roots = export_roots(export)
    filters = filters_of(export)
    day = today()
    total = expected_rows(roots, filters, export.list_name, day)
    jobs.set_progress(export, total=total)
    lines = rows(roots, filters, export.list_name, day) if roots else iter(())

    def progress(done):
        jobs.set_progress(export, done=done)

    with tempfile.TemporaryFile() as target:
        if export.format == "xlsx":
            done = write_xlsx(target, lines, progress, title=export.get_list_name_display())
        else:
            done = write_csv(target, lines, progress)
        target.seek(0)
        export.file.save(filename(export), File(target), save=False)
    if done != total:  # the file is the truth: records changed while it was written
        jobs.set_progress(export, total=done)
    return jobs.finish(export, done)


def filename(export):
    where = export.unit.code if export.unit else "tat-ca"
    safe = file_name_part(where, "don-vi")
    stamp = (export.created_at or datetime.datetime.now(tz=zone())).astimezone(zone())
    return f"danh-sach-{export.list_name.replace('_', '-')}-{safe}-{stamp:%Y%m%d}-{export.pk}.{export.format}"


def prune(now=None):
    """Delete old exports (stalled and lost ones are the sweeper's: ``jobs.sweep``)."""
    return jobs.prune(ReportExport, now)
