"""The demo's training plan: "Kế hoạch bồi dưỡng kỹ năng số năm 2026" of Sở Nội vụ, active, with
three requirements (commune leaders: digital signatures in 30 days; IT specialists: information
security by 30/06 of next year; the civil servants of Xã Sơn Hà: document management in 45 days),
assigned through the real services, so that its obligations, tallies and "assigned" notifications
are what HR's activation would have made. Safe to run again: an existing plan is left as it is.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from content.models import CoursePage
from lms.core.dates import today
from lms.people.models import LeadershipTitle, OrgUnit, PositionGroup
from lms.training import services
from lms.training.models import Requirement, TrainingPlan

PLAN_NAME = "Kế hoạch bồi dưỡng kỹ năng số năm 2026"
OWNER = "MS-SNV"


def _course(start):
    return CoursePage.objects.live().filter(title__startswith=start).order_by("pk").first()


@transaction.atomic
def build_plan(year=2026):
    """Create and assign the demo plan; returns it (None when the courses are missing)."""
    existing = TrainingPlan.objects.filter(name=PLAN_NAME, owner_unit__code=OWNER).first()
    if existing is not None:
        return existing
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    hr = get_user_model().objects.filter(username="nhansu").first() or admin
    signatures, security, documents = (
        _course("Chữ ký số"),
        _course("An toàn thông tin"),
        _course("Phần mềm quản lý văn bản"),
    )
    if admin is None or not all((signatures, security, documents)):
        return None
    province = OrgUnit.objects.filter(depth=1).order_by("path").first()
    plan = services.create_plan(
        admin,
        name=PLAN_NAME,
        year=year,
        owner_unit=OrgUnit.objects.get(code=OWNER),
        description=(
            "Bồi dưỡng kỹ năng số cho cán bộ, công chức theo vị trí việc làm (Nghị định 171/2025/NĐ-CP): "
            "ký số, an toàn thông tin và quản lý văn bản điện tử."
        ),
    )
    leaders = PositionGroup.objects.filter(code="lanh-dao")
    commune_titles = LeadershipTitle.objects.filter(code__in=["chu-tich-ubnd-xa", "pho-chu-tich-ubnd-xa"])
    requirements = [
        services.RequirementFields(
            course=signatures,
            audience="Lãnh đạo UBND cấp xã",
            units=[province],
            position_groups=list(leaders),
            leadership_titles=list(commune_titles),
            due_rule=Requirement.DueRule.AFTER_ASSIGNMENT,
            due_days=30,
        ),
        services.RequirementFields(
            course=security,
            audience="Chuyên viên công nghệ thông tin",
            units=[province],
            position_groups=list(PositionGroup.objects.filter(code="cntt")),
            due_rule=Requirement.DueRule.FIXED,
            due_date=datetime.date(today().year + 1, 6, 30),
        ),
        services.RequirementFields(
            course=documents,
            audience="Công chức Xã Sơn Hà",
            units=[OrgUnit.objects.get(code="MS-X-SONHA")],
            position_groups=list(PositionGroup.objects.filter(code="cong-chuc")),
            due_rule=Requirement.DueRule.AFTER_ASSIGNMENT,
            due_days=45,
        ),
    ]
    for fields in requirements:
        services.save_requirement(admin, plan, fields)
    TrainingPlan.objects.filter(pk=plan.pk).update(
        created_by=hr, activated_by=hr, status=TrainingPlan.Status.ACTIVATING
    )
    plan.refresh_from_db()
    return services.assign_plan(plan)
