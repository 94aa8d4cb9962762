"""The columns of an import file. Headers are matched without diacritics or case, so
"Mã cán bộ", "ma can bo" and "employee_code" are the same column."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from lms.core.text import fold


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese header written in the template
    label: object  # translated name used in error messages
    required: bool
    aliases: tuple = ()


COLUMNS = (
    Column("employee_code", "Mã cán bộ", _("employee code"), True, ("ma so can bo", "ma nhan vien", "employee code")),
    Column("full_name", "Họ và tên", _("full name"), True, ("ho ten", "full name")),
    Column("email", "Thư điện tử", _("e-mail"), False, ("email", "e-mail", "thu dien tu")),
    Column("phone", "Số điện thoại", _("phone"), False, ("dien thoai", "phone")),
    Column("unit_code", "Mã đơn vị", _("unit code"), True, ("ma don vi", "unit code")),
    Column("position_group", "Nhóm vị trí", _("position group"), True, ("nhom vi tri viec lam", "position group")),
    Column("date_of_birth", "Ngày sinh", _("date of birth"), False, ("date of birth",)),
    Column("start_date", "Ngày bắt đầu công tác", _("start date"), False, ("ngay bat dau", "start date")),
    Column("job_position", "Vị trí việc làm", _("job position"), False, ("job position",)),
    Column("leadership_title", "Chức vụ", _("leadership title"), False, ("leadership title", "title")),
    Column(
        "position_since",
        "Ngày nhận vị trí",
        _("in this position since"),
        False,
        ("ngay nhan chuc vu", "position since"),
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}


def _normal(header):
    return fold(str(header or "")).replace("_", " ").replace("-", " ").strip()


_LOOKUP = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        _LOOKUP[_normal(_name)] = _column.key


def map_headers(headers):
    """Column key for each header position (None for columns we do not know) and missing required keys."""
    keys = [_LOOKUP.get(_normal(header)) for header in headers]
    missing = [column for column in COLUMNS if column.required and column.key not in keys]
    return keys, missing
