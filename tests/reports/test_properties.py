"""Property: whatever happens — enrolments, progress, completions, recertification, due dates,
officials moving, changing group or leaving, units created, moved, renamed to another kind, closed
and merged — every number of the aggregation service equals a brute-force count over the raw rows,
and a fresh rebuild finds nothing to change.

Each example builds a small random tree (two or three levels) with officials, applies a random
sequence of operations through the real services under a controlled clock, then checks every
open unit with several filter sets. Each example runs in a transaction rolled back at its end.
"""

import datetime
import os
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lms.learning import services
from lms.learning.models import Enrollment
from lms.people import structure
from lms.people.models import Official, OrgUnit
from lms.reports import maintenance
from tests.factories import PositionGroupFactory, lessons_of, make_course, make_unit, placed_official

from .helpers import Clock, assert_matches_brute_force

KINDS = [OrgUnit.Kind.COMMUNE, OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.OTHER]
OPERATIONS = [
    "enrol",
    "enrol",
    "enrol",
    "lesson",
    "finish",
    "finish",
    "reopen",
    "due",
    "reopen",
    "delete",
    "move_official",
    "group",
    "active",
    "close",
    "close_busy",
    "merge",
    "move_unit",
    "kind",
    "new_unit",
    "new_official",
    "advance",
    "advance",
    "compact",
]
# Late on the last day of the year in Vietnam (UTC+7): the first days advanced cross into a new year.
START = datetime.datetime(2024, 12, 30, 20, 0, tzinfo=datetime.UTC)

tree_shapes = st.lists(st.tuples(st.sampled_from(KINDS), st.lists(st.booleans(), max_size=2)), min_size=1, max_size=3)
operations = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 11), st.integers(0, 11), st.integers(-30, 60)),
    min_size=4,
    max_size=30,
)


@pytest.fixture
def courses(catalogue):
    return [make_course(catalogue, title=f"Khóa {n}", lessons=2) for n in (1, 2)]


@pytest.fixture
def groups(db):
    return [PositionGroupFactory(code="lanh-dao", name="Lãnh đạo"), PositionGroupFactory(code="cong-chuc")]


class World:
    """The objects of one example, picked by index (modulo) from the random numbers."""

    def __init__(self, clock, courses, groups):
        self.clock, self.courses, self.groups = clock, courses, groups
        self.units, self.official_ids = [], []

    def open_units(self):
        return list(OrgUnit.objects.filter(valid_to__isnull=True).order_by("path"))

    def unit(self, n, open_only=True):
        units = self.open_units() if open_only else list(OrgUnit.objects.order_by("path"))
        return units[n % len(units)] if units else None

    def official(self, n):
        return Official.objects.get(pk=self.official_ids[n % len(self.official_ids)])

    def enrollment(self, n):
        """One of the enrolments made so far (the ops on them make sense far more often so)."""
        enrollments = list(Enrollment.objects.select_related("official", "course").order_by("pk"))
        return enrollments[n % len(enrollments)] if enrollments else None

    def build(self, shape, officials):
        province = structure.create_unit(None, name="Tỉnh", kind=OrgUnit.Kind.PROVINCE, code="P")
        for number, (kind, grandchildren) in enumerate(shape):
            child = structure.create_unit(province, name=f"Đơn vị {number}", kind=kind, code=f"U{number}")
            for sub, through_structure in enumerate(grandchildren):
                fields = {"name": f"Xã {number}.{sub}", "kind": OrgUnit.Kind.COMMUNE, "code": f"U{number}-{sub}"}
                # Units made outside structure (fixtures, factories) must be picked up on first use.
                structure.create_unit(child, **fields) if through_structure else make_unit(child, **fields)
        for n in range(officials):
            unit = self.unit(n * 7 + 1)
            official = placed_official(unit, position_group=self.groups[n % len(self.groups)])
            self.official_ids.append(official.pk)

    def apply(self, name, i, j, d):
        today = self.clock.today()
        try:
            getattr(self, f"do_{name}")(i, j, d, today)
        except (services.LearningError, structure.StructureError):
            event(f"{name} refused")  # a refused operation changes nothing, which is also worth checking

    def describe(self):
        """Label the example with what it reached, for ``--hypothesis-show-statistics``."""
        enrollments = Enrollment.objects.all()
        today = self.clock.today()
        for label, reached in [
            ("completed", enrollments.filter(completed_at__isnull=False).exists()),
            ("recertified", enrollments.filter(cycle__gt=1).exists()),
            ("overdue", enrollments.filter(completed_at__isnull=True, due_date__lt=today).exists()),
            ("closed unit with records", enrollments.filter(unit__valid_to__isnull=False).exists()),
            ("inactive official", Official.objects.filter(is_active=False).exists()),
            ("two roots", OrgUnit.objects.filter(depth=1).count() > 1),
        ]:
            if reached:
                event(label)

    def do_enrol(self, i, j, d, today):
        due = None if d % 3 == 0 else today + datetime.timedelta(days=d)
        services.enrol(self.official(i), self.courses[j % len(self.courses)], due_date=due)

    def do_lesson(self, i, j, d, today):
        if enrollment := self.enrollment(i):
            lessons = lessons_of(enrollment.course)
            services.record_lesson_done(enrollment.official, lessons[d % len(lessons)])

    def do_finish(self, i, j, d, today):
        if enrollment := self.enrollment(i):
            for lesson in lessons_of(enrollment.course):
                services.record_lesson_done(enrollment.official, lesson)

    def do_reopen(self, i, j, d, today):
        if enrollment := self.enrollment(i):
            services.start_new_cycle(enrollment)

    def do_due(self, i, j, d, today):
        if enrollment := self.enrollment(i):
            services.change_due_date(enrollment, None if d % 4 == 0 else today + datetime.timedelta(days=d))

    def do_delete(self, i, j, d, today):
        if enrollment := self.enrollment(i):
            enrollment.delete()

    def do_move_official(self, i, j, d, today):
        structure.move_official(self.official(i), self.unit(j), today + datetime.timedelta(days=1 + d % 3))

    def do_group(self, i, j, d, today):
        official = self.official(i)
        official.position_group = self.groups[j % len(self.groups)]
        official.save()

    def do_active(self, i, j, d, today):
        official = self.official(i)
        official.is_active = not official.is_active
        official.save()

    def sub_unit(self, n):
        units = [u for u in self.open_units() if u.depth > 1]
        return units[n % len(units)] if units else None

    def do_close(self, i, j, d, today):
        if unit := self.sub_unit(i):
            structure.close_unit(unit, today, None if d % 6 == 0 else self.unit(j))

    def do_close_busy(self, i, j, d, today):
        """Close the unit an enrolment was made in: its records must follow to the successor."""
        if (enrollment := self.enrollment(i)) and enrollment.unit.depth > 1 and not enrollment.unit.is_closed:
            structure.close_unit(enrollment.unit, today, self.unit(j))

    def do_merge(self, i, j, d, today):
        if (first := self.sub_unit(i)) and (second := self.sub_unit(i + 1 + d % 3)):
            structure.merge_units([first, second], self.unit(j), today)

    def do_move_unit(self, i, j, d, today):
        if unit := self.sub_unit(i):
            structure.move_unit(unit, None if d % 3 == 0 else self.unit(j))

    def do_kind(self, i, j, d, today):
        structure.update_unit(self.unit(i, open_only=False), kind=KINDS[j % len(KINDS)])

    def do_new_unit(self, i, j, d, today):
        code = f"N{OrgUnit.objects.count()}"
        parent = self.unit(i)
        if d % 2:
            structure.create_unit(parent, name=f"Mới {code}", kind=KINDS[j % len(KINDS)], code=code)
        else:
            make_unit(parent, name=f"Mới {code}", kind=KINDS[j % len(KINDS)], code=code)

    def do_new_official(self, i, j, d, today):
        official = placed_official(self.unit(i), position_group=self.groups[j % len(self.groups)])
        self.official_ids.append(official.pk)

    def do_compact(self, i, j, d, today):
        maintenance.compact_due_dates()

    def do_advance(self, i, j, d, today):
        self.clock.now += datetime.timedelta(days=1 + abs(d) % 40, hours=i % 24)


@settings(
    max_examples=int(os.environ.get("REPORTS_EXAMPLES", 40)),  # more to hunt: REPORTS_EXAMPLES=1000
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(shape=tree_shapes, officials=st.integers(2, 6), steps=operations, data=st.data())
def test_every_number_equals_a_brute_force_count(courses, groups, shape, officials, steps, data):
    clock = Clock(START)
    with mock.patch("django.utils.timezone.now", new=clock), transaction.atomic():
        world = World(clock, courses, groups)
        world.build(shape, officials)
        for step in steps:
            world.apply(*step)
        world.describe()
        open_units = world.open_units()
        pairs = [data.draw(st.lists(st.sampled_from(open_units), min_size=1, max_size=3)) for _ in range(2)]
        assert_matches_brute_force(roots_sets=pairs)
        transaction.set_rollback(True)
