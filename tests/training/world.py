"""A small province for the training tests: units, lists, officials, a course and an HR user."""

import datetime
from dataclasses import dataclass, field

from lms.people.models import JobPosition, LeadershipTitle, Official, OrgUnit, PositionGroup
from lms.training import services
from lms.training.models import Requirement, TrainingPlan
from tests.factories import OfficialFactory, make_course, make_unit
from tests.support.people import hr_of


@dataclass
class World:
    province: OrgUnit
    commune_a: OrgUnit
    commune_b: OrgUnit
    leaders: PositionGroup
    civil: PositionGroup
    chairman: LeadershipTitle
    clerk: JobPosition
    course: object
    hr: object
    officials: list = field(default_factory=list)

    def official(self, unit=None, group=None, **fields) -> Official:
        official = OfficialFactory(unit=unit or self.commune_a, position_group=group or self.civil, **fields)
        self.officials.append(official)
        return official

    def plan(self, **fields) -> TrainingPlan:
        values = {"name": "Kế hoạch bồi dưỡng kỹ năng số năm 2026", "year": 2026, "owner_unit": self.province, **fields}
        return services.create_plan(self.hr, **values)

    def requirement(self, plan, units=None, **fields) -> Requirement:
        values = {
            "course": self.course,
            "audience": "Lãnh đạo cấp xã",
            "units": units or [self.province],
            "due_rule": Requirement.DueRule.AFTER_ASSIGNMENT,
            "due_days": 30,
            **fields,
        }
        return services.save_requirement(self.hr, plan, services.RequirementFields(**values))


def activated(world: World, plan: TrainingPlan, capture) -> TrainingPlan:
    """Activate ``plan`` as HR would, running the job (``capture``: django_capture_on_commit_callbacks)."""
    with capture(execute=True):
        services.activate(plan, world.hr)
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.ACTIVE, plan.last_error
    return plan


def build_world(catalogue) -> World:
    province = make_unit(name="Tỉnh Minh Sơn", kind=OrgUnit.Kind.PROVINCE, code="TINH")
    commune_a = make_unit(province, name="Xã Sơn Hà", code="XA-A")
    commune_b = make_unit(province, name="Xã Hòa Bình", code="XA-B")
    leaders, _ = PositionGroup.objects.get_or_create(code="lanh-dao", defaults={"name": "Lãnh đạo"})
    civil, _ = PositionGroup.objects.get_or_create(code="cong-chuc", defaults={"name": "Công chức"})
    chairman, _ = LeadershipTitle.objects.get_or_create(code="chu-tich-ubnd-xa", defaults={"name": "Chủ tịch UBND xã"})
    clerk, _ = JobPosition.objects.get_or_create(code="van-thu-luu-tru", defaults={"name": "Văn thư – lưu trữ"})
    course = make_course(catalogue, title="Chữ ký số chuyên dùng", lessons=2)
    hr = hr_of(province, username="nhansu_tinh")
    return World(province, commune_a, commune_b, leaders, civil, chairman, clerk, course, hr)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
