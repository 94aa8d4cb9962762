"""The downloadable template: the import's columns with Vietnamese headers."""

from lms.core import spreadsheets

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
    return spreadsheets.csv_bytes(spreadsheets.Table("", [column.header for column in COLUMNS], []))


def xlsx_bytes(units, groups):
    """The template sheet, plus a guide sheet listing the unit codes and position groups to use."""
    guide = [[column.header, "Có" if column.required else "Không", example] for column, example in zip(COLUMNS, EXAMPLE, strict=True)]
    guide += [[], ["Ngày ghi theo dạng dd/mm/yyyy. Mỗi mã cán bộ chỉ xuất hiện một lần."], []]
    guide += [["Mã đơn vị", "Tên đơn vị"], *([unit.code, unit.name] for unit in units), []]
    guide += [["Nhóm vị trí (mã)", "Tên nhóm"], *([group.code, group.name] for group in groups)]
    widths = {chr(ord("A") + index): max(16, len(column.header) + 4) for index, column in enumerate(COLUMNS)}
    return spreadsheets.xlsx_bytes(
        spreadsheets.Table("Danh sách", [column.header for column in COLUMNS], [], widths=widths),
        spreadsheets.Table("Hướng dẫn", ["Cột", "Bắt buộc", "Ví dụ"], guide, widths={"A": 24, "B": 40}),
    )
