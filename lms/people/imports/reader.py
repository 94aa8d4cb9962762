"""Read rows from an uploaded file: CSV in UTF-8 (with or without BOM) or the Windows code page
Vietnamese Excel writes (cp1258), or XLSX. Values come out as stripped strings or dates."""

import csv
import datetime
import io
import unicodedata
import zipfile

from django.utils.translation import gettext as _

from .columns import map_headers

ENCODINGS = ("utf-8-sig", "cp1258")
MAX_ROWS = 200_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is translated."""


def _decode(data):
    for encoding in ENCODINGS:
        try:
            # cp1258 writes tone marks as combining characters; NFC makes "ế" one character again.
            return unicodedata.normalize("NFC", data.decode(encoding).replace("\x00", ""))
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Windows Vietnamese (cp1258) text."))


def _csv_rows(data):
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_rows(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("The spreadsheet cannot be opened: %(error)s") % {"error": error}) from error
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield ["" if value is None else value for value in row]


def _cell(value):
    if isinstance(value, str):
        # NUL cannot be stored in PostgreSQL text; it is never meaningful in a list of officials.
        return unicodedata.normalize("NFC", value.replace("\x00", "")).strip()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data, filename):
    """Yield (line number, {column key: value}) for each non-empty data row.

    Raises ImportFileError when the file cannot be read or lacks required columns."""
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


def _records(rows, keys):
    count = 0
    try:
        for line, row in enumerate(rows, start=2):
            values = [_cell(value) for value in row]
            if not any(values):
                continue
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
