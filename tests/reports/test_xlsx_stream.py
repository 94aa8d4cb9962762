"""The streaming XLSX writer: what openpyxl (and so Excel) reads back from it."""

import io
import zipfile

import openpyxl

from lms.reports import xlsx_stream


def written(header, rows, batch=2, **options):
    handle = io.BytesIO()
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    count = xlsx_stream.write(handle, header, batches, **options)
    handle.seek(0)
    return count, handle


def test_text_numbers_and_gaps_read_back_in_their_columns():
    rows = [
        ("Lò Thị Hạnh", "A & B <C>", 12, 4.5, ""),
        ("  lề trái", "", None, 0, "cuối"),
        ('\'=HYPERLINK("x")', 'Tên "có" ngoặc', True, -3, "x"),
    ]
    count, handle = written(("Họ tên", "Ghi chú", "Số", "Điểm", "Khác"), rows, title="Danh sách", repeated=(1, 4))
    assert count == 3
    workbook = openpyxl.load_workbook(handle)
    sheet = workbook.active
    assert sheet.title == "Danh sách"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Họ tên", "Ghi chú", "Số", "Điểm", "Khác"]
    assert values[1] == ["Lò Thị Hạnh", "A & B <C>", 12, 4.5, None]
    assert values[2] == ["  lề trái", None, None, 0, "cuối"]
    assert values[3] == ['\'=HYPERLINK("x")', 'Tên "có" ngoặc', "True", -3, "x"]
    assert sheet["A3"].data_type == "s" and sheet["A4"].data_type == "s"  # text, never a formula
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"


def test_repeating_columns_are_written_once_in_the_shared_strings():
    rows = [(f"Cán bộ {n}", "Xã Sơn Hà & <Phòng>", f"0{n % 2}/01/2026") for n in range(6)]
    _count, handle = written(("Tên", "Đơn vị", "Ngày"), rows, repeated=(1, 2))
    with zipfile.ZipFile(handle) as archive:
        shared = archive.read("xl/sharedStrings.xml").decode()
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert shared.count("<si>") == 3 and "Xã Sơn Hà &amp; &lt;Phòng&gt;" in shared
    assert "Phòng" not in sheet_xml and "Cán bộ 5" in sheet_xml
    handle.seek(0)
    assert [tuple(row) for row in openpyxl.load_workbook(handle).active.iter_rows(min_row=2, values_only=True)] == rows


def test_rows_roll_over_to_numbered_sheets_each_with_the_header():
    rows = [(f"Cán bộ {n}", n) for n in range(7)]
    count, handle = written(("Tên", "Số"), rows, batch=3, title="Ghi danh", max_rows=3, widths=(30, 8))
    assert count == 7
    workbook = openpyxl.load_workbook(handle)
    assert workbook.sheetnames == ["Ghi danh", "Ghi danh (2)", "Ghi danh (3)", "Ghi danh (4)"]
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]
    assert all(sheet[0] == ("Tên", "Số") for sheet in sheets)
    assert [row for sheet in sheets for row in sheet[1:]] == rows
    assert workbook.worksheets[0].column_dimensions["A"].width == 30


def test_no_rows_is_a_workbook_with_the_header_and_progress_follows_the_batches():
    seen = []
    count, handle = written(("Tên",), [], progress=seen.append)
    assert count == 0 and seen == []
    assert list(openpyxl.load_workbook(handle).active.iter_rows(values_only=True)) == [("Tên",)]
    count, handle = written(("Tên",), [("a",), ("b",), ("c",)], batch=2, progress=seen.append)
    assert seen == [2, 3]


def test_the_package_is_well_formed():
    _count, handle = written(("Tên",), [("a",)], title='Sổ "A" & B')
    with zipfile.ZipFile(handle) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/sharedStrings.xml",
            "xl/worksheets/sheet1.xml",
        }
        from xml.dom import minidom

        for name in archive.namelist():
            minidom.parseString(archive.read(name))  # every part is well-formed XML
    handle.seek(0)
    assert openpyxl.load_workbook(handle).sheetnames == ['Sổ "A" & B']


def test_an_error_in_the_rows_reaches_the_caller_and_leaves_no_thread_behind():
    import threading

    import pytest

    def batches():
        yield [("a",)] * 3
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        xlsx_stream.write(io.BytesIO(), ("Tên",), batches())
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("xlsx")]
