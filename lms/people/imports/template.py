"""The downloadable template: the import's columns with Vietnamese headers."""

from lms.core import spreadsheets

from ..models import JobPosition, LeadershipTitle
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
    "tu-phap-ho-tich",
    "",
    "01/07/2025",
]
POSITION_NOTES = [
    ["Vị trí việc làm, Chức vụ: ghi mã hoặc tên như trong danh sách dưới đây. Ô để trống: không có vị trí, chức vụ."],
    ["Tệp không có cột Vị trí việc làm hoặc Chức vụ: giữ nguyên thông tin đã có của cán bộ."],
    ["Ngày nhận vị trí để trống khi vị trí việc làm hoặc chức vụ thay đổi: lấy ngày nhập tệp."],
]


def csv_bytes():
    """UTF-8 with a BOM so that Excel shows the Vietnamese headers correctly."""
    return spreadsheets.csv_bytes(spreadsheets.Table("", [column.header for column in COLUMNS], []))


def xlsx_bytes(units, groups, job_positions=None, titles=None):
    """The template sheet, plus a guide sheet listing the unit codes, position groups, job positions
    and leadership titles to use (the whole lists of the last two unless given)."""
    job_positions = JobPosition.objects.all() if job_positions is None else job_positions
    titles = LeadershipTitle.objects.all() if titles is None else titles
    guide = [
        [column.header, "Có" if column.required else "Không", example]
        for column, example in zip(COLUMNS, EXAMPLE, strict=True)
    ]
    guide += [[], ["Ngày ghi theo dạng dd/mm/yyyy. Mỗi mã cán bộ chỉ xuất hiện một lần."], *POSITION_NOTES, []]
    guide += [["Mã đơn vị", "Tên đơn vị"], *([unit.code, unit.name] for unit in units), []]
    guide += [["Nhóm vị trí (mã)", "Tên nhóm"], *([group.code, group.name] for group in groups), []]
    guide += [["Vị trí việc làm (mã)", "Tên vị trí việc làm"], *([p.code, p.name] for p in job_positions), []]
    guide += [["Chức vụ (mã)", "Tên chức vụ"], *([title.code, title.name] for title in titles)]
    widths = {chr(ord("A") + index): max(16, len(column.header) + 4) for index, column in enumerate(COLUMNS)}
    return spreadsheets.xlsx_bytes(
        spreadsheets.Table("Danh sách", [column.header for column in COLUMNS], [], widths=widths),
        spreadsheets.Table("Hướng dẫn", ["Cột", "Bắt buộc", "Ví dụ"], guide, widths={"A": 24, "B": 40}),
    )
