"""A streaming XLSX writer for long tables of text: the province's two million enrolments.

openpyxl builds an object for every cell and manages about 15 000 rows of eleven columns a second
even in write-only mode; this writes each row's XML in one string into the zip, a sheet at a time,
several times faster. It writes what such a table needs and nothing else: text (inline, or in the
shared strings for the columns that repeat: units, statuses, dates), numbers, a bold first row
frozen at the top, column widths, and a new sheet every ``max_rows`` rows (Excel's limit is
1 048 576, the header included). Memory holds a batch of rows and the distinct values of the
repeating columns, whatever the number of rows. The zip is written by a thread of its own: zlib
lets go of the GIL while it compresses, so the next rows' XML is built meanwhile. Values must
already be safe for a spreadsheet (``lms.core.spreadsheets.safe_cell``) and free of the control characters
XML cannot carry.
"""

import threading
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

STYLES = (
    f'{XML}<styleSheet xmlns="{MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letters(count):
    letters = []
    for number in range(1, count + 1):
        name = ""
        while number:
            number, rest = divmod(number - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _cell(ref, value, style=""):
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = escape(str(value))
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    return f'<c r="{ref}"{style}><v>{value}</v></c>'


class _InOrder:
    """Runs calls one after the other on one thread, with at most ``depth`` waiting (so memory stays
    bounded when the zip is the slower side); an error surfaces at the next call or at ``finish``."""

    def __init__(self, depth=4):
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx")
        self.room = threading.BoundedSemaphore(depth)
        self.pending = deque()

    def __call__(self, function, *args):
        self.room.acquire()
        future = self.pool.submit(function, *args)
        future.add_done_callback(lambda _future: self.room.release())
        self.pending.append(future)
        while self.pending and self.pending[0].done():
            self.pending.popleft().result()

    def finish(self):
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


class _Sheet:
    """One worksheet being written into the zip: its header row first, then rows as they come."""

    def __init__(self, archive, run, number, header, widths, repeated, strings):
        self.run = run
        self.strings = strings
        # Each column's cell opening up to the row number: '<c r="B'.
        self.columns = [(f'<c r="{letter}', n in repeated) for n, letter in enumerate(column_letters(len(header)))]
        self.stream = None
        self.closed = False
        self.letters = column_letters(len(header))
        self.row = 1
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>' for n, width in enumerate(widths, 1)
        )
        run(self._open, archive, f"xl/worksheets/sheet{number}.xml")
        self._write(
            f'{XML}<worksheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews>"
            + (f"<cols>{cols}</cols>" if cols else "")
            + '<sheetData><row r="1">'
            + "".join(_cell(f"{letter}1", value, ' s="1"') for letter, value in zip(self.letters, header, strict=True))
            + "</row>"
        )

    def _open(self, archive, name):
        self.stream = archive.open(name, "w", force_zip64=True)

    def _write(self, text):
        self.run(lambda data: self.stream.write(data), text.encode())

    def write_rows(self, rows):
        # The hot loop of a two-million-row export. A text of a column that repeats (a unit, a
        # status, a date) is written once in the shared strings and referred to by its number;
        # other plain text is written inline.
        parts = []
        append = parts.append
        number = self.row
        columns = self.columns
        strings = self.strings
        for row in rows:
            number += 1
            n = str(number)
            append(f'<row r="{n}">')
            for (opening, repeats), value in zip(columns, row, strict=False):
                if value.__class__ is str and value:
                    if repeats:
                        # The rest of the cell after its reference, kept with the string's number.
                        rest = strings.get(value)
                        if rest is None:
                            rest = strings[value] = f'" t="s"><v>{len(strings)}</v></c>'
                        append(f"{opening}{n}{rest}")
                        continue
                    if not value[0].isspace() and not value[-1].isspace():
                        if "&" in value or "<" in value or ">" in value:
                            value = escape(value)
                        append(f'{opening}{n}" t="inlineStr"><is><t>{value}</t></is></c>')
                        continue
                append(_cell(f"{opening[6:]}{n}", value))
            append("</row>")
        self.row = number
        self._write("".join(parts))

    def close(self):
        self._write("</sheetData></worksheet>")
        self.run(lambda: self.stream.close())
        self.closed = True

    def abandon(self):
        """After a failure (the writing thread is done): close the member so the zip can close."""
        if self.stream is not None and not self.closed:
            self.closed = True
            with suppress(OSError, ValueError):  # the error that got us here is the one to report
                self.stream.close()


def write(handle, header, batches, *, title="Sheet", max_rows=1_048_576, widths=(), repeated=(), progress=None):
    """Write ``header`` and the rows of ``batches`` (lists of rows as long as ``header``) to the
    binary file ``handle`` as an XLSX workbook, continuing on a new sheet (``title (2)``, …) every
    ``max_rows`` rows, header included. The text of the columns numbered in ``repeated`` (a few
    thousand distinct values at most: they are kept in memory) goes to the shared strings.
    ``progress(rows written)`` is called after each batch. Returns the row count."""
    per_sheet = max_rows - 1
    sheets, done = [], 0
    strings, repeated = {}, frozenset(repeated)
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        run = _InOrder()
        try:
            sheet, room = None, 0
            for batch in batches:
                start = 0
                while start < len(batch):
                    if not room:
                        if sheet:
                            sheet.close()
                        sheet, room = (
                            _Sheet(archive, run, len(sheets) + 1, header, widths, repeated, strings),
                            per_sheet,
                        )
                        sheets.append(sheet)
                    part = batch[start : start + room]
                    sheet.write_rows(part)
                    start, room = start + len(part), room - len(part)
                done += len(batch)
                if progress:
                    progress(done)
            if sheet is None:  # no rows: the header alone
                sheet = _Sheet(archive, run, 1, header, widths, repeated, strings)
                sheets.append(sheet)
            sheet.close()
        finally:
            try:
                run.finish()
            finally:
                if sheets:
                    sheets[-1].abandon()  # only open if a row or the writing failed
        names = [title if n == 1 else f"{title} ({n})" for n in range(1, len(sheets) + 1)]
        _write_package(archive, names, strings)
    return done


def _write_package(archive, names, strings):
    count = len(names)
    archive.writestr(
        "xl/sharedStrings.xml",
        f'{XML}<sst xmlns="{MAIN}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings)
        + "</sst>",
    )
    archive.writestr(
        "[Content_Types].xml",
        f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_TYPE}"/>'
            for n in range(1, count + 1)
        )
        + "</Types>",
    )
    archive.writestr(
        "_rels/.rels",
        f'{XML}<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    archive.writestr(
        "xl/workbook.xml",
        f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        + "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))
        + "</sheets></workbook>",
    )
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        f'{XML}<Relationships xmlns="{PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        + f'<Relationship Id="rId{count + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
        + f'<Relationship Id="rId{count + 2}" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        + "</Relationships>",
    )
    archive.writestr("xl/styles.xml", STYLES)
