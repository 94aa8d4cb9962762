"""The editable lists of job positions (vị trí việc làm) and leadership titles (chức vụ) a new
site starts with. Migration 0005 seeds a frozen copy of these; the demo calls ``seed_position_lists``
so that a database whose lists were emptied by hand gets them back. Codes are stable: training
plans and import files refer to them."""

from .models import JobPosition, LeadershipTitle

# code, name, order
JOB_POSITIONS = (
    ("tu-phap-ho-tich", "Chuyên viên tư pháp – hộ tịch", 10),
    ("dia-chinh", "Chuyên viên địa chính", 20),
    ("ke-toan-ngan-sach-xa", "Kế toán ngân sách xã", 30),
    ("van-thu-luu-tru", "Văn thư – lưu trữ", 40),
    ("cong-nghe-thong-tin", "Chuyên viên công nghệ thông tin", 50),
    ("mot-cua", "Chuyên viên một cửa", 60),
)
LEADERSHIP_TITLES = (
    ("chu-tich-ubnd-xa", "Chủ tịch UBND xã", 10),
    ("pho-chu-tich-ubnd-xa", "Phó Chủ tịch UBND xã", 20),
    ("giam-doc-so", "Giám đốc sở", 30),
    ("pho-giam-doc-so", "Phó Giám đốc sở", 40),
    ("truong-phong", "Trưởng phòng", 50),
    ("pho-truong-phong", "Phó Trưởng phòng", 60),
)


def seed_position_lists() -> tuple[dict[str, JobPosition], dict[str, LeadershipTitle]]:
    """Create the listed job positions and titles that are missing (by code; an entry renamed or
    reordered by an administrator is left as it is). Returns every position and title by code."""
    for model, rows in ((JobPosition, JOB_POSITIONS), (LeadershipTitle, LEADERSHIP_TITLES)):
        for code, name, order in rows:
            model.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    return (
        {position.code: position for position in JobPosition.objects.all()},
        {title.code: title for title in LeadershipTitle.objects.all()},
    )
