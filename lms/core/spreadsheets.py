"""Cells, CSV and XLSX for spreadsheets, the same everywhere a table leaves the site (HR's report
tables, the officials' list, the import template, quiz statistics, certificate manifests and the
row-level exports).

``safe_cell(value)`` / ``sheet_cell(value)``
    Text a spreadsheet would run as a formula gets a leading quote (CSV injection); for XLSX the
    control characters XML cannot carry are dropped as well. Other values pass as they are.
``Table(title, header, rows, widths=None, note="")``
    One table: a sheet of an XLSX, a block of a CSV.
``csv_bytes(*tables)`` / ``xlsx_bytes(*tables)``
    Whole files, for tables that fit in memory: CSV in UTF-8 with a BOM (so that Excel shows the
    Vietnamese), blocks separated by an empty line; XLSX with a bold header row, frozen under it,
    and the given column widths, one sheet per table.
``csv_lines(header, rows)``
    The same CSV as an iterator of lines, for a streamed response in constant memory.
``csv_writer(handle)``
    A context manager giving a ``csv.writer`` on the binary file ``handle`` (BOM written), for
    files built row by row in the background; cells are written as given (clean them first).
``CSV_TYPE`` / ``XLSX_TYPE``
    Their content types.
"""

import contextlib
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
SHEET_TITLE_FORBIDDEN = set("[]:*?/\\")


def safe_cell(value):
    """Prefix a quote to text that a spreadsheet would read as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def sheet_cell(value):
    """A cell for a spreadsheet file (XLSX, or a CSV opened in one): text without the control
    characters that XML cannot carry (checked cheaply first: almost all text is printable), and
    never read as a formula. Other values as they are."""
    if isinstance(value, str) and not value.isprintable():
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


def sheet_title(title) -> str:
    """What Excel accepts as a sheet's name: 31 characters at most, none of ``[]:*?/\\``."""
    return "".join(c for c in str(title) if c not in SHEET_TITLE_FORBIDDEN)[:31] or "Sheet"


@dataclass
class Table:
    title: str
    header: Sequence
    rows: Iterable[Sequence]
    widths: dict[str, float] = field(default_factory=dict)  # column letter → width
    note: str = ""  # a line above the header (what was reported, for whom)


def _csv_row(row):
    return ["" if value is None else safe_cell(value) for value in row]


def csv_bytes(*tables: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow(_csv_row(table.header))
        writer.writerows(_csv_row(row) for row in table.rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(*tables: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    bold = Font(bold=True)
    for index, table in enumerate(tables):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = sheet_title(table.title)
        if table.note:
            sheet.append([sheet_cell(table.note)])
            sheet["A1"].font = bold
        sheet.append([sheet_cell(value) for value in table.header])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = bold
        for row in table.rows:
            sheet.append([sheet_cell(value) for value in row])
        for letter, width in table.widths.items():
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(_csv_row(header))
    for row in rows:
        yield writer.writerow(_csv_row(row))


@contextlib.contextmanager
def csv_writer(handle):
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    text.write(BOM)
    try:
        yield csv.writer(text)
    finally:
        text.flush()
        text.detach()
