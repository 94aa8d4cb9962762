"""The dashboard's tables as files: by unit, position group, course and month, as CSV (UTF-8 with a
BOM, so that Excel shows the Vietnamese) or XLSX, with the headers in the active language
(Vietnamese by default). Text cells that a spreadsheet would read as a formula are neutralised.

These tables have a row per child unit, group, course or month — tens of rows — so they are built
in memory and answered at once; the per-official lists, which can run to a province's 200 000
officials, are the ones for a Celery job."""

import csv
import io

from django.utils.translation import gettext as _

from lms.people.csv_safety import safe_cell, sheet_cell

TABLES = ("unit", "group", "course", "month")


def _number_header(headcount=True):
    return [_("Headcount")] * headcount + [
        _("Enrolled"),
        _("Completed"),
        _("In progress"),
        _("Not started"),
        _("Overdue"),
        _("Completion rate (%)"),
    ]


def _numbers(numbers, headcount=True):
    rate = numbers.completion_rate
    return [numbers.headcount] * headcount + [
        numbers.enrolled,
        numbers.completed,
        numbers.in_progress,
        numbers.not_started,
        numbers.overdue,
        None if rate is None else round(rate * 100, 1),
    ]


def table(overview, name):
    """``(title, header, rows)`` of one of ``TABLES`` from an ``aggregation.Overview``."""
    if name == "month":
        return (
            _("Completions by month"),
            [_("Month"), _("Completions")],
            [[f"{month:%m/%Y}", count] for month, count in overview.by_month],
        )
    title, first, rows = {
        "unit": (_("By unit"), _("Unit"), overview.by_unit),
        "group": (_("By position group"), _("Position group"), overview.by_group),
        "course": (_("By course"), _("Course"), overview.by_course),
    }[name]
    # A course has no headcount of its own (every row would repeat the subtree's): left out, as on screen.
    people = name != "course"
    return title, [first, *_number_header(people)], [[str(row.label), *_numbers(row.numbers, people)] for row in rows]


def csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        writer.writerow(["" if value is None else safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title, header, rows, scope_line=""):
    """One sheet: an optional line saying what was reported (unit and filters), then the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet"
    if scope_line:
        sheet.append([sheet_cell(scope_line)])
        sheet["A1"].font = Font(bold=True)
    sheet.append([sheet_cell(value) for value in header])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    header_row = sheet.max_row
    for row in rows:
        sheet.append([sheet_cell(value) for value in row])
    sheet.column_dimensions["A"].width = 42
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 14
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
