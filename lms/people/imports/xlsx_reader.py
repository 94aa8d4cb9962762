"""Rows of the first sheet of an XLSX file, read in bounded time and memory.

A spreadsheet is a zip of XML parts, and both can be made to explode: a few hundred kilobytes
unpack into a row of millions of cells, millions of empty rows or one string of hundreds of
megabytes. openpyxl builds each row whole and keeps every shared string, so such a file once held
a worker for minutes and gigabytes. This reader streams the XML instead and refuses, with a
translated ``ImportFileError``, as soon as a bound is passed:

- no text runs longer than a cell may be, checked on the bytes as they stream;
- every part it reads is cut off at ``Limits.part_bytes`` unpacked (the sheet) or
  ``Limits.small_part_bytes`` (workbook, relations, styles), the shared strings at
  ``Limits.shared_strings_bytes``, whatever the zip claims their size to be;
- a row may have at most ``Limits.cells_per_row`` cells, a cell at most ``Limits.cell_chars``
  characters, the shared strings at most ``Limits.shared_strings`` entries;
- reading stops at the first run of ``Limits.empty_run`` empty rows after the data (a run that
  Excel leaves by formatting whole columns), and the caller bounds the number of data rows;
- a document type declaration (the way to entity bombs) is refused outright.

``rows(data, limits)`` yields ``(row number, [values])``: text as ``str``, numbers as ``int`` or
``float``, date-formatted numbers as ``datetime.datetime``, booleans as ``bool``, blanks as ``""``.
"""

import datetime
import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, iterparse

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MB = 1024 * 1024
REL_OFFICE = "/officeDocument"


class SpreadsheetError(ValueError):
    """The spreadsheet breaks a bound or cannot be read; the message is translated."""


@dataclass(frozen=True)
class Limits:
    part_bytes: int = 160 * MB
    small_part_bytes: int = 8 * MB
    shared_strings_bytes: int = 32 * MB
    shared_strings: int = 1_000_000
    cells_per_row: int = 64
    cell_chars: int = 1000
    empty_run: int = 1000
    members: int = 2000


class _Bounded(io.RawIOBase):
    """A zip member read through a byte budget: past ``limit`` unpacked bytes it raises. A
    document type declaration anywhere is refused (entities are how XML bombs are made)."""

    def __init__(self, stream, limit, name, cell_chars):
        self._stream, self._limit, self._name = stream, limit, name
        self._count, self._tail = 0, b""
        # UTF-8 takes up to 4 bytes a character, and the run includes the tag before the text.
        self._cell_chars, self._run, self._longest_run = cell_chars, 0, 4 * cell_chars + 1024

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._stream.read(min(len(buffer), 64 * 1024))
        self._count += len(data)
        if self._count > self._limit:
            raise SpreadsheetError(
                _("The spreadsheet is too large once unpacked (%(part)s is over %(max)s MB); split it.")
                % {"part": self._name, "max": self._limit // MB}
            )
        if b"<!DOCTYPE" in self._tail + data:
            raise SpreadsheetError(_("The spreadsheet contains a document type declaration, which is not allowed."))
        self._tail = data[-16:]
        self._check_runs(data)
        buffer[: len(data)] = data
        return len(data)


    def _check_runs(self, data):
        """No text (nor tag) may run longer than ``longest_run`` bytes between two "<": a cell of a
        hundred megabytes is refused while it streams, before the parser holds any of it."""
        pieces = data.split(b"<")
        first = self._run + len(pieces[0])
        self._run = len(pieces[-1]) if len(pieces) > 1 else first
        if max(first, self._run, max(map(len, pieces))) > self._longest_run:
            raise too_long(self._cell_chars)


def too_long(chars):
    return SpreadsheetError(_("A cell of the spreadsheet is longer than %(max)s characters.") % {"max": chars})


class _LocalNames(dict):
    """``LOCAL[tag]``: the tag without its namespace, remembered for the few names a sheet uses."""

    def __missing__(self, tag):
        name = tag.rsplit("}", 1)[-1]
        if len(self) < 256:  # a hostile file may invent names without end
            self[tag] = name
        return name


LOCAL = _LocalNames()


class _Book:
    def __init__(self, archive, limits):
        self.archive, self.limits = archive, limits
        self.names = set(archive.namelist())
        if len(self.names) > limits.members:
            raise SpreadsheetError(_("The spreadsheet has too many parts."))

    def events(self, name, limit, events=("end",)):
        if name not in self.names:
            return iter(())
        info = self.archive.getinfo(name)
        if info.file_size > limit:  # the zip says so already: no need to unpack a byte
            raise SpreadsheetError(
                _("The spreadsheet is too large once unpacked (%(part)s is over %(max)s MB); split it.")
                % {"part": name, "max": limit // MB}
            )
        bounded = _Bounded(self.archive.open(name), limit, name, self.limits.cell_chars)
        stream = io.BufferedReader(bounded, 64 * 1024)
        return iterparse(stream, events=events)

    def relations(self, part):
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        found = {}
        for _event, element in self.events(rels, self.limits.small_part_bytes):
            if LOCAL[element.tag] == "Relationship":
                target = element.get("Target", "")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
                found[element.get("Id")] = (element.get("Type", ""), path)
        return found

    def workbook_part(self):
        for kind, path in self.relations("").values():
            if kind.endswith(REL_OFFICE):
                return path
        return "xl/workbook.xml"

    def first_sheet(self, workbook):
        """(path of the first sheet, paths by relation type, whether dates count from 1904)."""
        rels = self.relations(workbook)
        sheet_rel, date1904 = None, False
        for _event, element in self.events(workbook, self.limits.small_part_bytes):
            tag = LOCAL[element.tag]
            if tag == "workbookPr":
                date1904 = element.get("date1904", "0").lower() in ("1", "true")
            elif tag == "sheet" and sheet_rel is None:
                sheet_rel = next((value for key, value in element.attrib.items() if LOCAL[key] == "id"), None)
            element.clear()
        if sheet_rel not in rels:
            raise SpreadsheetError(_("The spreadsheet has no worksheet."))
        by_type = {kind.rsplit("/", 1)[-1]: path for kind, path in rels.values()}
        return rels[sheet_rel][1], by_type, date1904

    def shared_strings(self, path):
        strings, limits, root = [], self.limits, None
        if not path:
            return strings
        for event, element in self.events(path, limits.shared_strings_bytes, ("start", "end")):
            if root is None:
                root = element
            if event == "start" or LOCAL[element.tag] != "si":
                continue
            if len(element) == 1 and LOCAL[element[0].tag] == "t":  # plain text, the usual case
                text = element[0].text or ""
                if len(text) > limits.cell_chars:
                    raise too_long(limits.cell_chars)
            else:
                text = _text(element, limits)
            strings.append(text)
            element.clear()
            root.remove(element)
            if len(strings) > limits.shared_strings:
                raise SpreadsheetError(_("The spreadsheet has too many different texts; split it."))
        return strings

    def date_styles(self, path):
        """Indexes of the cell formats that show a number as a date."""
        custom, formats, in_xfs = {}, [], False
        if not path:
            return set()
        for event, element in self.events(path, self.limits.small_part_bytes, ("start", "end")):
            tag = LOCAL[element.tag]
            if tag == "cellXfs":
                in_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and tag == "xf" and in_xfs:
                formats.append(int(element.get("numFmtId", "0") or 0))
        dates = set()
        for index, number in enumerate(formats):
            code = custom.get(number, BUILTIN_FORMATS.get(number, ""))
            if code and is_date_format(code):
                dates.add(index)
        return dates


def _text(element, limits):
    """The text of a shared or inline string (plain or rich runs), bounded."""
    parts, size = [], 0
    for node in element.iter():
        if LOCAL[node.tag] == "t" and node.text:
            size += len(node.text)
            if size > limits.cell_chars:
                raise too_long(limits.cell_chars)
            parts.append(node.text)
        elif LOCAL[node.tag] == "rPh":  # phonetic hints are not part of the text
            break
    return "".join(parts)


def _value(cell, strings, dates, calendar, limits):
    kind = cell.get("t", "n")
    raw, inline = None, None
    for child in cell:
        tag = LOCAL[child.tag]
        if tag == "v":
            raw = child.text
        elif tag == "is":
            inline = child
    if kind == "inlineStr":
        return _text(inline, limits) if inline is not None else ""
    if raw is None:
        return ""
    if len(raw) > limits.cell_chars:
        raise too_long(limits.cell_chars)
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            raise SpreadsheetError(_("The spreadsheet refers to a text that it does not contain.")) from None
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "d":
        try:
            return datetime.datetime.fromisoformat(raw.strip())
        except ValueError:
            return raw
    try:
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        return raw
    if int(cell.get("s", "0") or 0) in dates:
        try:
            return from_excel(number, calendar)
        except (ValueError, OverflowError):
            return number
    return number


def rows(data, limits=None):
    """Yield ``(row number, values)`` for the rows of the first sheet (see the module docstring)."""
    limits = limits or Limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise SpreadsheetError(_("The spreadsheet cannot be opened: %(error)s") % {"error": error}) from error
    try:
        yield from _rows(_Book(archive, limits), limits)
    except ParseError as error:
        raise SpreadsheetError(_("The spreadsheet cannot be opened: %(error)s") % {"error": error}) from error
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        raise SpreadsheetError(_("The spreadsheet cannot be opened: %(error)s") % {"error": error}) from error
    finally:
        archive.close()


def _rows(book, limits):
    sheet, parts, date1904 = book.first_sheet(book.workbook_part())
    strings = book.shared_strings(parts.get("sharedStrings"))
    dates = book.date_styles(parts.get("styles"))
    calendar = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    sheet_data, row, number, last_data, cells = None, None, 0, 0, 0
    values = {}
    for event, element in book.events(sheet, limits.part_bytes, ("start", "end")):
        tag = LOCAL[element.tag]
        if event == "start":
            if tag == "sheetData":
                sheet_data = element
            elif tag == "row":
                row, values, cells = element, {}, 0
                number = int(element.get("r") or number + 1)
                if last_data and number - last_data > limits.empty_run:
                    return  # a run of empty rows past the data: the rest is formatting
            continue
        if tag == "c" and row is not None:
            cells += 1
            if cells > limits.cells_per_row:
                raise SpreadsheetError(
                    _("Row %(line)s of the spreadsheet has more than %(max)s cells.")
                    % {"line": number, "max": limits.cells_per_row}
                )
            value = _value(element, strings, dates, calendar, limits)
            reference = element.get("r")
            column = _column(reference, len(values))
            if column >= limits.cells_per_row:
                raise SpreadsheetError(
                    _("Row %(line)s of the spreadsheet has more than %(max)s cells.")
                    % {"line": number, "max": limits.cells_per_row}
                )
            if value != "":
                values[column] = value
            row.remove(element)
        elif tag == "row":
            if values:
                width = max(values) + 1
                yield number, [values.get(index, "") for index in range(width)]
                last_data = number
            elif last_data == 0 and number > limits.empty_run:
                return  # nothing but empty rows so far: there is no data to find
            element.clear()
            if sheet_data is not None:
                sheet_data.remove(element)  # parsed rows must not pile up under the sheet
            row = None
        elif tag == "sheetData":
            return


def _column(reference, default):
    if not reference:
        return default
    letters = reference.rstrip("0123456789")
    try:
        return column_index_from_string(letters) - 1
    except ValueError:
        return default
