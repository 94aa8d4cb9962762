"""The bounded XLSX reader reads what Excel and openpyxl write: shared and inline strings, rich
text, numbers, dates by their cell style, booleans, gaps between columns and rows."""

import datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from lms.people.imports import xlsx_reader
from tests.support.files import workbook_bytes


def xlsx(rows, date1904=False):
    workbook = Workbook()
    workbook.epoch = datetime.datetime(1904, 1, 1) if date1904 else workbook.epoch
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True)
    workbook.create_sheet("Hướng dẫn").append(["not read"])
    return workbook_bytes(workbook)


def test_values_come_out_typed():
    data = xlsx(
        [
            ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Số", "Có"],
            ["MS-1", "Đặng Thị Ánh", datetime.date(1990, 4, 15), 12, True],
            ["MS-2", None, datetime.datetime(2025, 7, 1, 8, 30), 1.5, False],
        ]
    )
    rows = list(xlsx_reader.rows(data))
    assert rows[0] == (1, ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Số", "Có"])
    assert rows[1] == (2, ["MS-1", "Đặng Thị Ánh", datetime.datetime(1990, 4, 15), 12, True])
    assert rows[2] == (3, ["MS-2", "", datetime.datetime(2025, 7, 1, 8, 30), 1.5, False])


def test_dates_of_a_1904_workbook():
    rows = list(xlsx_reader.rows(xlsx([["Ngày"], [datetime.date(2025, 7, 1)]], date1904=True)))
    assert rows[1] == (2, [datetime.datetime(2025, 7, 1)])


def test_gaps_keep_their_columns_and_row_numbers():
    workbook = Workbook()
    workbook.active["A1"] = "a"
    workbook.active["C1"] = "c"
    workbook.active["B5"] = "b"
    assert list(xlsx_reader.rows(workbook_bytes(workbook))) == [(1, ["a", "", "c"]), (5, ["", "b"])]


def test_reading_stops_after_a_run_of_empty_rows():
    workbook = Workbook()
    workbook.active["A1"] = "header"
    workbook.active["A2"] = "data"
    workbook.active["A5000"] = "far below"
    limits = xlsx_reader.Limits(empty_run=100)
    assert list(xlsx_reader.rows(workbook_bytes(workbook), limits)) == [(1, ["header"]), (2, ["data"])]


def test_not_a_spreadsheet_is_a_translated_refusal():
    import pytest
    from django.utils import translation

    with translation.override("vi"), pytest.raises(xlsx_reader.SpreadsheetError, match="Không mở được bảng tính"):
        list(xlsx_reader.rows(b"PK\x03\x04 not really"))
