"""The downloadable template: the import's columns with Vietnamese headers."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .columns import COLUMNS

EXAMPLE = [
    "MS-000123",
    "Nguyễn Thị Lan",
    "lan.nt@minhson.example",
    "0912345678",
    "MS-X-SONHA",
    "cong-chuc",
    "15/04/1990",
    "01/07/2025",
]


def csv_bytes():
    """UTF-8 with a BOM so that Excel shows the Vietnamese headers correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([column.header for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(units, groups):
    """The template sheet, plus a guide sheet listing the unit codes and position groups to use."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(16, len(column.header) + 4)
    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Bắt buộc", "Ví dụ"])
    for column, example in zip(COLUMNS, EXAMPLE, strict=True):
        guide.append([column.header, "Có" if column.required else "Không", example])
    guide.append([])
    guide.append(["Ngày ghi theo dạng dd/mm/yyyy. Mỗi mã cán bộ chỉ xuất hiện một lần."])
    guide.append([])
    guide.append(["Mã đơn vị", "Tên đơn vị"])
    for unit in units:
        guide.append([unit.code, unit.name])
    guide.append([])
    guide.append(["Nhóm vị trí (mã)", "Tên nhóm"])
    for group in groups:
        guide.append([group.code, group.name])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
