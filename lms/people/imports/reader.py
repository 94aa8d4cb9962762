"""Read rows from an uploaded file: CSV in UTF-8 (with or without BOM) or the Windows code page
Vietnamese Excel writes (cp1258), or XLSX. Values come out as stripped strings or dates."""

import csv
import datetime
import io
import unicodedata

from django.utils.translation import gettext as _

from . import xlsx_reader
from .columns import map_headers

ENCODINGS = ("utf-8-sig", "cp1258")
MAX_ROWS = 200_000  # data rows in one file
MAX_BYTES = 20 * 1024 * 1024  # the file as uploaded (also the upload form's limit)
MAX_LINE_CHARS = 64 * 1024  # one line of a CSV file
EMPTY_RUN = 1000  # consecutive empty rows after the data: reading stops there
XLSX_LIMITS = xlsx_reader.Limits(empty_run=EMPTY_RUN)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is translated."""


def no_data_rows():
    return ImportFileError(_("The file has no data rows: only the header or empty rows. Nothing can be imported."))


def _decode(data):
    for encoding in ENCODINGS:
        try:
            # cp1258 writes tone marks as combining characters; NFC makes "ế" one character again.
            return unicodedata.normalize("NFC", data.decode(encoding).replace("\x00", ""))
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Windows Vietnamese (cp1258) text."))


def _lines(text):
    """The lines of a CSV text, each at most ``MAX_LINE_CHARS`` long."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                _("Line %(line)s of the file is longer than %(max)s characters.")
                % {"line": number, "max": MAX_LINE_CHARS}
            )
        yield line


def _csv_rows(data):
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for number, row in enumerate(csv.reader(_lines(text), dialect), start=1):
        _check_row(number, row)
        yield row


def _check_row(number, row):
    if len(row) > XLSX_LIMITS.cells_per_row:
        raise ImportFileError(
            _("Row %(line)s has more than %(max)s columns.") % {"line": number, "max": XLSX_LIMITS.cells_per_row}
        )
    for value in row:
        if isinstance(value, str) and len(value) > XLSX_LIMITS.cell_chars:
            raise ImportFileError(
                _("Row %(line)s has a cell longer than %(max)s characters.")
                % {"line": number, "max": XLSX_LIMITS.cell_chars}
            )


def _xlsx_rows(data):
    """The first sheet's rows, with the row numbers Excel shows (gaps filled with empty rows)."""
    expected = 1
    try:
        for number, values in xlsx_reader.rows(data, XLSX_LIMITS):
            if number < expected:
                continue  # rows out of order: a broken file; the first one wins
            for _gap in range(number - expected):
                yield []
            yield values
            expected = number + 1
    except xlsx_reader.SpreadsheetError as error:
        raise ImportFileError(str(error)) from error


def _cell(value):
    if isinstance(value, str):
        # NUL cannot be stored in PostgreSQL text; it is never meaningful in a list of officials.
        return unicodedata.normalize("NFC", value.replace("\x00", "")).strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data, filename):
    """Yield (line number, {column key: value}) for each non-empty data row, stopping at the first
    run of ``EMPTY_RUN`` empty rows after the data.

    Raises ImportFileError when the file cannot be read, breaks a bound (size, rows, columns, cell
    length, line length) or lacks required columns."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB; split it."))
    is_xlsx = filename.lower().endswith(".xlsx") or data[:2] == b"PK"
    rows = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    try:
        headers = next(rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as error:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error
    keys, missing = map_headers(headers)
    if missing:
        names = ", ".join(f"“{column.header}”" for column in missing)
        raise ImportFileError(_("Missing columns: %(names)s. Use the template file.") % {"names": names})
    return _records(rows, keys)


def read_records(data, filename):
    """Every data row of the file as a list (``read_rows``); a file without any is refused."""
    records = list(read_rows(data, filename))
    if not records:
        raise no_data_rows()
    return records


def _records(rows, keys):
    count = empty = 0
    try:
        for line, row in enumerate(rows, start=2):
            values = [_cell(value) for value in row]
            if not any(values):
                empty += 1
                if empty >= EMPTY_RUN:
                    break  # the data has ended; the rest is formatting or padding
                continue
            empty = 0
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
            record = {key: "" for key in keys if key}
            for key, value in zip(keys, values, strict=False):
                if key:
                    record[key] = value
            yield line, record
    except csv.Error as error:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error
