"""Plan progress as files, with the headers in the active language (Vietnamese by default) and every
cell made safe for a spreadsheet by ``lms.core.spreadsheets`` (text a spreadsheet would run as a
formula gets a leading quote).

``figure_tables(progress)`` → ``[Table]``
    The page's tables (summary, by requirement, by unit, by position group, job position and
    leadership title): a block each in a CSV, a sheet each in an XLSX. Tens of rows, built in memory.
``people_csv(rows, today)`` → an iterator of CSV lines (streamed, constant memory).
``people_xlsx(rows, today, handle)``
    The same rows as an XLSX written to the binary file ``handle`` row by row (openpyxl's
    write-only workbook), for the thousands of officials a province's plan can have.
"""

import datetime
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.utils.formats import date_format
from django.utils.translation import pgettext

from lms.core import spreadsheets
from lms.core.dates import local

from . import progress as selectors
from .models import Obligation


def _figure_header() -> list[str]:
    return [
        pgettext("plan progress", "Targeted"),
        pgettext("plan progress", "Completed"),
        pgettext("plan progress", "In progress"),
        pgettext("plan progress", "Not started"),
        pgettext("plan progress", "Overdue"),
        pgettext("plan progress", "Completion rate (%)"),
        pgettext("plan progress", "Hours completed"),
    ]


def _figure_cells(figures: selectors.Figures) -> list[Any]:
    return [
        figures.targeted,
        figures.completed,
        figures.in_progress,
        figures.not_started,
        figures.overdue,
        figures.percent,
        figures.hours,
    ]


def _where(area: selectors.Area) -> str:
    return ", ".join(unit.name for unit in area.shown) or pgettext("plan progress", "All units")


def note(result: selectors.Progress) -> str:
    """The line above each table: which plan, which units, which requirement, as of which day."""
    parts = [f"{result.plan.name} ({result.plan.year})", _where(result.area)]
    if result.requirement is not None:
        parts.append(f"{result.requirement.course_title} — {result.requirement.audience}")
    parts.append(pgettext("plan progress", "as of %(day)s") % {"day": date_format(result.today, "SHORT_DATE_FORMAT")})
    return " · ".join(parts)


def _dimension(title: str, first: str, rows: list[selectors.Row], line: str) -> spreadsheets.Table:
    return spreadsheets.Table(
        title,
        [first, *_figure_header()],
        [[str(row.label), *_figure_cells(row.figures)] for row in rows],
        widths={"A": 40},
        note=line,
    )


def _unit_label(row: selectors.Row) -> str:
    if row.own and row.unit is not None:
        return pgettext("plan progress", "Officials of %(unit)s itself") % {"unit": row.unit.name}
    return str(row.label)


def figure_tables(result: selectors.Progress) -> list[spreadsheets.Table]:
    line = note(result)
    requirement_header = [
        pgettext("plan progress", "Course"),
        pgettext("plan progress", "Target group"),
        pgettext("plan progress", "Due"),
        pgettext("plan progress", "Hours of the course"),
    ]
    return [
        spreadsheets.Table(
            pgettext("plan progress", "Summary"), _figure_header(), [_figure_cells(result.summary)], note=line
        ),
        spreadsheets.Table(
            pgettext("plan progress", "By requirement"),
            [*requirement_header, *_figure_header()],
            [
                [
                    row.label.course_title,
                    row.label.audience,
                    selectors.due_text(row.label),
                    row.label.hours,
                    *_figure_cells(row.figures),
                ]
                for row in result.by_requirement
            ],
            widths={"A": 40, "B": 30, "C": 24},
            note=line,
        ),
        spreadsheets.Table(
            pgettext("plan progress", "By unit"),
            [pgettext("plan progress", "Unit"), pgettext("plan progress", "Unit code"), *_figure_header()],
            [
                [_unit_label(row), row.unit.code if row.unit else "", *_figure_cells(row.figures)]
                for row in result.by_unit
            ],
            widths={"A": 40, "B": 14},
            note=line,
        ),
        _dimension(
            pgettext("plan progress", "By position group"),
            pgettext("plan progress", "Position group"),
            result.by_group,
            line,
        ),
        _dimension(
            pgettext("plan progress", "By job position"),
            pgettext("plan progress", "Job position"),
            result.by_position,
            line,
        ),
        _dimension(
            pgettext("plan progress", "By leadership title"),
            pgettext("plan progress", "Leadership title"),
            result.by_title,
            line,
        ),
    ]


# The people ------------------------------------------------------------------------------------


def people_header() -> list[str]:
    return [
        pgettext("plan progress", "Full name"),
        pgettext("plan progress", "Employee code"),
        pgettext("plan progress", "Unit"),
        pgettext("plan progress", "Course"),
        pgettext("plan progress", "Target group"),
        pgettext("plan progress", "Status"),
        pgettext("plan progress", "Overdue"),
        pgettext("plan progress", "Due date"),
        pgettext("plan progress", "Completed on"),
        pgettext("plan progress", "Hours completed"),
    ]


def _day(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = local(value).date()
    return date_format(value, "SHORT_DATE_FORMAT")


def people_rows(rows: Iterable[Obligation], today: datetime.date) -> Iterator[list[Any]]:
    """The cells of each obligation of ``progress.obligations``. The words are translated now, in
    the request's language, not when a streamed response is read."""
    yes = pgettext("plan progress", "Yes")
    labels = {status: str(label) for status, label in selectors.STATUS_LABELS.items()}
    return _people_rows(rows, today, yes, labels)


def _people_rows(rows: Iterable[Obligation], today: datetime.date, yes: str, labels: dict) -> Iterator[list[Any]]:
    for obligation in rows:
        selectors.with_status(obligation, today)
        yield [
            obligation.official.full_name,
            obligation.official.employee_code,
            obligation.unit_name,  # type: ignore[attr-defined]
            obligation.requirement.course_title,
            obligation.requirement.audience,
            labels[obligation.status],  # type: ignore[attr-defined]
            yes if obligation.late else "",  # type: ignore[attr-defined]
            _day(obligation.due_date),
            _day(obligation.enrollment.completed_at),
            obligation.hours,  # type: ignore[attr-defined]
        ]


def people_csv(rows: Iterable[Obligation], today: datetime.date) -> Iterator[str]:
    return spreadsheets.csv_lines(people_header(), people_rows(rows, today))


def people_xlsx(rows: Iterable[Obligation], today: datetime.date, handle: IO[bytes], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spreadsheets.sheet_title(title))
    for letter, width in {"A": 30, "B": 14, "C": 30, "D": 40, "E": 24, "F": 16}.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for value in people_header():
        cell = WriteOnlyCell(sheet, value=spreadsheets.sheet_cell(value))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in people_rows(rows, today):
        sheet.append([spreadsheets.sheet_cell(value) for value in row])
    workbook.save(handle)
