"""The demo province, "Tỉnh Minh Sơn", shaped like a real one after 1 July 2025."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from lms.people.models import HRScope, Official, OrgUnit, Placement, PositionGroup
from lms.people.positions import seed_position_lists

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


# Job positions and leadership titles (codes of ``lms.people.positions``), given without chance:
# IT specialists hold the IT position; the other non-leaders of a commune are spread over the
# commune's positions, those of a department over the two it has; the n-th leader of a commune
# (its offices included) or of a department holds the n-th title of its list (the last one repeats).
IT_JOB = "cong-nghe-thong-tin"
COMMUNE_JOBS = ["tu-phap-ho-tich", "dia-chinh", "ke-toan-ngan-sach-xa", "van-thu-luu-tru", "mot-cua"]
DEPARTMENT_JOBS = ["van-thu-luu-tru", "mot-cua"]
LEADER_TITLES = {
    OrgUnit.Kind.COMMUNE: [
        "chu-tich-ubnd-xa",
        "pho-chu-tich-ubnd-xa",
        "pho-chu-tich-ubnd-xa",
        "truong-phong",
        "pho-truong-phong",
    ],
    OrgUnit.Kind.DEPARTMENT: ["giam-doc-so", "pho-giam-doc-so", "pho-giam-doc-so", "truong-phong", "pho-truong-phong"],
}
# username -> (job position, leadership title, in it since) of the demo logins.
DEMO_POSITIONS = {
    "hocvien": ("mot-cua", None, REFORM_DAY),
    "giangvien": (IT_JOB, None, datetime.date(2021, 3, 1)),
    "nhansu": (None, None, None),
    "quantri": (IT_JOB, None, datetime.date(2019, 9, 1)),
}


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


def build_job_positions():
    """The job positions and leadership titles, by code (the people app's seed lists)."""
    return seed_position_lists()


class _Positions:
    """Hands out job positions, titles and since-days to generated officials (deterministic)."""

    def __init__(self, units):
        self.jobs, self.titles = build_job_positions()
        self.kind_of = {unit.path: unit.kind for unit in units}
        self.leaders = {}  # titles given so far, by department or commune (its path)
        held = Official.objects.filter(leadership_title__isnull=False).values_list("unit__path", flat=True)
        for path in held:
            self.leaders[self._top(path)] = self.leaders.get(self._top(path), 0) + 1

    @staticmethod
    def _top(path):
        return path[: 2 * OrgUnit.steplen]  # the department or commune (both just under the province)

    def assign(self, official, number):
        top = self._top(official.unit.path)
        kind = OrgUnit.Kind.DEPARTMENT if self.kind_of.get(top) == OrgUnit.Kind.DEPARTMENT else OrgUnit.Kind.COMMUNE
        if official.position_group.code == "lanh-dao":
            titles = LEADER_TITLES[kind]
            seen = self.leaders.get(top, 0)
            self.leaders[top] = seen + 1
            official.leadership_title = self.titles.get(titles[min(seen, len(titles) - 1)])
        elif official.position_group.code == "cntt":
            official.job_position = self.jobs.get(IT_JOB)
        else:
            jobs = DEPARTMENT_JOBS if kind == OrgUnit.Kind.DEPARTMENT else COMMUNE_JOBS
            official.job_position = self.jobs.get(jobs[number % len(jobs)])
        # The communes' people took their posts when the communes were formed; the departments'
        # at some day of the years before.
        official.position_since = (
            datetime.date(2018 + number % 7, 1 + number * 7 % 12, 1) if kind == OrgUnit.Kind.DEPARTMENT else REFORM_DAY
        )


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
    positions = _Positions(units)
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
        official = Official(full_name=name, employee_code=code, unit=unit, position_group=groups[group_code])
        positions.assign(official, number)
        new_officials.append(official)
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
    jobs, titles = build_job_positions()
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
        job, title, since = DEMO_POSITIONS[username]
        official, created = Official.objects.update_or_create(
            user=user,
            defaults={
                "full_name": name,
                "employee_code": code,
                "unit": OrgUnit.objects.get(code=unit_code),
                "position_group": groups[group_code],
                "job_position": jobs.get(job),
                "leadership_title": titles.get(title),
                "position_since": since,
                "is_active": True,
            },
        )
        if created:
            Placement.objects.create(official=official, unit=official.unit, started_on=REFORM_DAY)
        accounts.append((username, role))
    return accounts
