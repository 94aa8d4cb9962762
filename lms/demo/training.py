"""A year of assigned training for the demo province, so that HR's reports have something to say:
two waves of courses assigned by position group (the first one past its due date), each official
somewhere between not started and completed, some units keener than others. Deterministic.

The rows are written in bulk, as an import of last year's records would be: no lesson-by-lesson
history and no certificates (``issue_missing_certificates`` issues those when a worker runs). The
seed rebuilds the report tallies afterwards.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from content.models import CoursePage
from lms.learning.models import Enrollment
from lms.people.models import Official

EVERYONE = ["Kỹ năng sử dụng CNTT", "An toàn thông tin"]
# Position group -> courses of the second wave (title beginnings).
BY_GROUP = {
    "lanh-dao": ["Chữ ký số", "Phần mềm quản lý văn bản"],
    "cntt": ["Chữ ký số", "Thư điện tử công vụ"],
    "cong-chuc": ["Phần mềm quản lý văn bản", "Dịch vụ công trực tuyến"],
    "vien-chuc": ["Thư điện tử công vụ"],
}
# (days before today it was assigned, days after today it is due, chance completed, chance started)
WAVES = [(300, -120, 0.72, 0.5), (75, 45, 0.3, 0.55)]


def _courses():
    live = list(CoursePage.objects.live().values_list("pk", "title"))
    wanted = {*EVERYONE, *(start for starts in BY_GROUP.values() for start in starts)}
    return {start: next(((pk, title) for pk, title in live if title.startswith(start)), None) for start in wanted}


@transaction.atomic
def build_training(seed=2026, assigned_by="nhansu"):
    """Assign and progress the generated officials' training; returns how many enrolments it made."""
    rng = random.Random(seed)
    courses = _courses()
    hr = get_user_model().objects.filter(username=assigned_by).first()
    officials = (
        Official.objects.filter(employee_code__regex=r"^MS-[0-9]{6}$", enrollments__isnull=True)
        .order_by("employee_code")
        .values_list("pk", "unit_id", "position_group__code")
    )
    now = timezone.now()
    keenness = {}  # some units push their people harder than others
    made = []
    for official_id, unit_id, group in officials:
        keen = keenness.setdefault(unit_id, rng.uniform(0.55, 1.25))
        waves = [EVERYONE, BY_GROUP.get(group, [])]
        for (assigned_ago, due_in, completed_chance, started_chance), titles in zip(WAVES, waves, strict=True):
            enrolled_at = now - datetime.timedelta(days=assigned_ago, minutes=rng.randrange(600))
            for title in titles:
                course = courses.get(title)
                if course is None:
                    continue
                record = Enrollment(
                    official_id=official_id,
                    unit_id=unit_id,
                    course_id=course[0],
                    course_title=course[1],
                    source=Enrollment.Source.ASSIGNMENT,
                    assigned_by=hr,
                    due_date=timezone.localdate() + datetime.timedelta(days=due_in),
                )
                record.enrolled_at = enrolled_at
                roll = rng.random()
                if roll < completed_chance * keen:
                    record.completed_at = enrolled_at + (now - enrolled_at) * rng.uniform(0.05, 0.95)
                    record.last_activity_at = record.completed_at
                elif roll < (completed_chance + (1 - completed_chance) * started_chance) * keen:
                    record.last_activity_at = enrolled_at + (now - enrolled_at) * rng.uniform(0.1, 1)
                made.append(record)
    assigned = [record.enrolled_at for record in made]
    Enrollment.objects.bulk_create(made, batch_size=1000)
    # ``enrolled_at`` is auto_now_add, so bulk_create stamped now: put the assignment dates back.
    for record, enrolled_at in zip(made, assigned, strict=True):
        record.enrolled_at = enrolled_at
    Enrollment.objects.bulk_update(made, ["enrolled_at"], batch_size=500)
    return len(made)
