"""A list of enrolments (``export_rows``) as a CSV or XLSX file built by a Celery task: up to the
province's two million rows, streamed from the database and written in constant memory.

``start(user, unit, list_name, filters, fmt) -> ReportExport``
    Records the request and enqueues ``tasks.build_report_export`` on commit. ``unit`` must lie in
    the subtrees the user reports on (``aggregation.roots_for_user``), else ``OutOfScope``; None
    means all of them. Raises ``ExportRefused`` while an export of theirs is in the making.
``build(export_id, task=None)``
    A stage of ``lms.core.jobs`` (claimed, beating, swept): writes the rows into a temporary file
    (CSV: UTF-8 with a BOM, for Excel; XLSX: streamed by ``xlsx_stream``, a new sheet every
    ``XLSX_MAX_ROWS``), then into the private storage. The subtrees are the request's as far as
    the requester may still read them when it runs. Progress (``done`` of ``total``) is written
    every ``PROGRESS_EVERY`` rows.
``get_for_user(user, pk)`` / ``for_user(user)``
    Only the requester sees an export, and only while its units are in their scope.
``prune(now=None)``
    Hourly (beat): as ``jobs.prune``.
"""

import datetime
import itertools
import tempfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lms.celery import enqueue_on_commit
from lms.core import jobs, spreadsheets
from lms.core.dates import today, zone
from lms.core.text import file_name_part
from lms.people.models import OrgUnit

from . import aggregation, xlsx_stream
from .cube import Filters
from .export_rows import LISTS, expected_rows, header, rows
from .models import ReportExport
from .tasks import build_report_export

FORMATS = tuple(ReportExport.FORMATS)
WRITE_BATCH = 1000  # rows handed to the writer at a time
PROGRESS_EVERY = 20_000  # rows between two writes of the progress
XLSX_MAX_ROWS = 1_048_576  # rows per sheet in Excel, the header included
CONTENT_TYPES = {
    "csv": spreadsheets.CSV_TYPE,
    "xlsx": spreadsheets.XLSX_TYPE,
}
FILTER_NAMES = ("year", "course", "group", "kind")



class ExportRefused(ValueError):
    """The request cannot be taken; the message is translated."""


class OutOfScope(ExportRefused):
    """The unit is not one the user reports on."""


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
    done = 0
    with spreadsheets.csv_writer(handle) as writer:
        writer.writerow(header())
        for chunk in _chunks(lines, WRITE_BATCH):
            writer.writerows(chunk)
            done = _advance(done, len(chunk), progress)
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
