"""The demo province, "Tỉnh Minh Sơn", shaped like a real one after 1 July 2025."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from lms.people.models import HRScope, Official, OrgUnit, Placement, PositionGroup

REFORM_DAY = datetime.date(2025, 7, 1)
LAST_DAY_OF_DISTRICTS = datetime.date(2025, 6, 30)

POSITION_GROUPS = [
    ("lanh-dao", "Lãnh đạo, quản lý", 1, 10),
    ("cntt", "Chuyên trách công nghệ thông tin", 2, 5),
    ("cong-chuc", "Công chức", 3, 50),
    ("vien-chuc", "Viên chức", 4, 35),
]

PROVINCE = ("MS", "Tỉnh Minh Sơn (dữ liệu minh họa)")
DEPARTMENTS = [
    ("MS-VP", "Văn phòng UBND tỉnh"),
    ("MS-SNV", "Sở Nội vụ"),
    ("MS-STP", "Sở Tư pháp"),
    ("MS-STC", "Sở Tài chính"),
    ("MS-SKHCN", "Sở Khoa học và Công nghệ"),
    ("MS-SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("MS-SYT", "Sở Y tế"),
    ("MS-SGDDT", "Sở Giáo dục và Đào tạo"),
    ("MS-SXD", "Sở Xây dựng"),
    ("MS-TTR", "Thanh tra tỉnh"),
    ("MS-BQLKCN", "Ban Quản lý các khu công nghiệp"),
]
COMMUNES = [
    ("MS-P-MINHSON", "Phường Minh Sơn"),
    ("MS-P-DONGTHANH", "Phường Đông Thành"),
    ("MS-P-TANAN", "Phường Tân An"),
    ("MS-X-DONGTAM", "Xã Đồng Tâm"),
    ("MS-X-HOABINH", "Xã Hòa Bình"),
    ("MS-X-THUONGLAM", "Xã Thượng Lâm"),
    ("MS-X-NAHANG", "Xã Nà Hang"),
    ("MS-X-PHUCSON", "Xã Phúc Sơn"),
    ("MS-X-SONHA", "Xã Sơn Hà"),  # formed on 1/7/2025 from the three communes below
]
# Since the 2025 reform a commune's or ward's People's Committee works through these offices.
COMMUNE_OFFICES = [
    ("VP", "Văn phòng HĐND và UBND {where}"),
    ("KT", "Phòng Kinh tế {where}"),
    ("VHXH", "Phòng Văn hóa - Xã hội {where}"),
]
WARD_ECONOMY = "Phòng Kinh tế, Hạ tầng và Đô thị {where}"
OLD_DISTRICT = ("MS-H-SONHA", "Huyện Sơn Hà (đến 30/6/2025)")
MERGED_INTO = "MS-X-SONHA"
OLD_COMMUNES = [
    ("MS-H-SONHA-X-SONHA", "Xã Sơn Hà (cũ)"),
    ("MS-H-SONHA-X-SONTHUY", "Xã Sơn Thủy"),
    ("MS-H-SONHA-X-SONBINH", "Xã Sơn Bình"),
]

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Nông",
    "Lò",
    "Hà",
    "Triệu",
    "Ma",
    "Sùng",
    "Giàng",
    "Đinh",
    "Lương",
]
MIDDLE_NAMES = ["Văn", "Thị", "Thanh", "Minh", "Ngọc", "Đức", "Quang", "Thu", "Hồng", "Xuân", "Hữu", "Bích", "Kim"]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Minh",
    "Nam",
    "Nga",
    "Ngọc",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
    "Đạt",
    "Điệp",
    "Chiến",
    "Thủy",
]

DEMO_ACCOUNTS = [
    # username, full name, employee code, unit code, position group, role
    ("hocvien", "Lò Thị Hạnh", "MS-DEMO-01", "MS-X-SONHA", "cong-chuc", "official"),
    ("giangvien", "Nguyễn Đức Thắng", "MS-DEMO-02", "MS-SKHCN", "cntt", "trainer"),
    ("nhansu", "Trần Thu Trang", "MS-DEMO-03", "MS-SNV", "cong-chuc", "hr"),
    ("quantri", "Phạm Quang Minh", "MS-DEMO-04", "MS-SKHCN", "cntt", "admin"),
]


def _unit(parent, code, name, kind, valid_from=None, valid_to=None):
    unit = OrgUnit.objects.filter(code=code).first()
    if unit:
        return unit
    fields = dict(code=code, name=name, kind=kind, valid_from=valid_from, valid_to=valid_to)
    return parent.add_child(**fields) if parent else OrgUnit.add_root(**fields)


@transaction.atomic
def build_tree():
    """The province, its departments, today's communes and wards, and one district closed by the reform."""
    K = OrgUnit.Kind
    province = _unit(None, *PROVINCE, K.PROVINCE)
    for code, name in DEPARTMENTS:
        _unit(province, code, name, K.DEPARTMENT)
    for code, name in COMMUNES:
        commune = _unit(province, code, name, K.COMMUNE, valid_from=REFORM_DAY)
        where = name[0].lower() + name[1:]  # "xã Sơn Hà", "phường Tân An"
        for suffix, office in COMMUNE_OFFICES:
            if suffix == "KT" and name.startswith("Phường"):
                office = WARD_ECONOMY
            _unit(commune, f"{code}-{suffix}", office.format(where=where), K.OTHER, valid_from=REFORM_DAY)
    district = _unit(province, *OLD_DISTRICT, K.DISTRICT, valid_to=LAST_DAY_OF_DISTRICTS)
    merged_into = OrgUnit.objects.get(code=MERGED_INTO)
    for code, name in OLD_COMMUNES:
        old = _unit(district, code, name, K.COMMUNE, valid_to=LAST_DAY_OF_DISTRICTS)
        if old.successor_id is None:
            old.successor = merged_into
            old.save(update_fields=["successor"])
    return province


def build_position_groups():
    for code, name, order, _share in POSITION_GROUPS:
        PositionGroup.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    return {g.code: g for g in PositionGroup.objects.all()}


def random_name(rng):
    middle = rng.choice(MIDDLE_NAMES)
    return f"{rng.choice(SURNAMES)} {middle} {rng.choice(GIVEN_NAMES)}"


@transaction.atomic
def build_officials(count, seed=2026):
    """``count`` officials spread over today's units and all position groups (deterministic)."""
    rng = random.Random(seed)
    groups = build_position_groups()
    units = list(OrgUnit.objects.open().exclude(kind=OrgUnit.Kind.PROVINCE).order_by("path"))
    weights = [share for *_rest, share in POSITION_GROUPS]
    existing = set(Official.objects.filter(employee_code__startswith="MS-").values_list("employee_code", flat=True))
    User = get_user_model()
    new_users, new_officials = [], []
    for number in range(1, count + 1):
        code = f"MS-{number:06d}"
        if code in existing:
            continue
        name = random_name(rng)
        group_code = rng.choices([g[0] for g in POSITION_GROUPS], weights=weights)[0]
        unit = units[number % len(units)]
        user = User(username=code.lower(), first_name=name.rsplit(" ", 1)[-1], last_name=name.rsplit(" ", 1)[0])
        user.set_unusable_password()  # real officials set their own password from an e-mailed link
        new_users.append(user)
        new_officials.append(Official(full_name=name, employee_code=code, unit=unit, position_group=groups[group_code]))
    if new_users:
        User.objects.bulk_create(new_users, batch_size=1000)
        ids = dict(User.objects.filter(username__in=[u.username for u in new_users]).values_list("username", "pk"))
        for user, official in zip(new_users, new_officials, strict=True):
            official.user_id = ids[user.username]
        Official.objects.bulk_create(new_officials, batch_size=1000)
        ids = dict(
            Official.objects.filter(employee_code__in=[o.employee_code for o in new_officials]).values_list(
                "employee_code", "pk"
            )
        )
        Placement.objects.bulk_create(
            Placement(official_id=ids[o.employee_code], unit_id=o.unit_id, started_on=REFORM_DAY) for o in new_officials
        )
    return len(new_officials)


# The demo HR officer works at the Department of Home Affairs, which reports on the training of
# the whole province: she reads the province's figures, and manages the Department and the merged
# commune of Sơn Hà (and so, through the merger, the records of its three predecessor communes).
HR_SCOPES = [("nhansu", "MS", False), ("nhansu", "MS-SNV", True), ("nhansu", "MS-X-SONHA", True)]


def build_hr_scopes():
    for username, unit_code, can_manage in HR_SCOPES:
        HRScope.objects.get_or_create(
            user=get_user_model().objects.get(username=username),
            unit=OrgUnit.objects.get(code=unit_code),
            defaults={"can_manage": can_manage},
        )


def build_demo_accounts(password, roles):
    """The four demo logins; ``roles`` maps a role name to the Django group it belongs to."""
    groups = build_position_groups()
    User = get_user_model()
    accounts = []
    for username, name, code, unit_code, group_code, role in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = name.rsplit(" ", 1)[-1], name.rsplit(" ", 1)[0]
        user.email = f"{username}@minhson.example"
        user.is_superuser = role == "admin"
        user.is_staff = role == "admin"
        user.set_password(password)
        user.save()
        user.groups.set([roles[role]])
        official, created = Official.objects.update_or_create(
            user=user,
            defaults={
                "full_name": name,
                "employee_code": code,
                "unit": OrgUnit.objects.get(code=unit_code),
                "position_group": groups[group_code],
                "is_active": True,
            },
        )
        if created:
            Placement.objects.create(official=official, unit=official.unit, started_on=REFORM_DAY)
        accounts.append((username, role))
    return accounts
