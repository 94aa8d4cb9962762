"""The dashboard's tables as files: by unit, position group, course and month, as CSV (UTF-8 with a
BOM, so that Excel shows the Vietnamese) or XLSX, with the headers in the active language
(Vietnamese by default). Text cells that a spreadsheet would read as a formula are neutralised.

These tables have a row per child unit, group, course or month — tens of rows — so they are built
in memory and answered at once; the per-official lists, which can run to a province's 200 000
officials, are the ones for a Celery job."""

from django.utils.translation import gettext as _

from lms.core import spreadsheets

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
    return spreadsheets.csv_bytes(spreadsheets.Table("", header, rows))


WIDTHS = {"A": 42, **{letter: 14 for letter in "BCDEFGH"}}


def xlsx_bytes(title, header, rows, scope_line=""):
    """One sheet: an optional line saying what was reported (unit and filters), then the table."""
    return spreadsheets.xlsx_bytes(spreadsheets.Table(title, header, rows, widths=WIDTHS, note=scope_line))
