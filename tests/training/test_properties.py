"""Property: whatever happens to the officials, the tree and the plans — moves, new groups, job
positions and titles (saved one by one or in bulk as the import does), leavers and returners, units
closed and merged, new officials, plans activated (at once or by a job that runs later), gaining
requirements and closed, self-enrolment, lessons, completions, recertification, extensions and
exclusions — after every step:

(a) the current obligations of the active plans are exactly a brute-force evaluation of their
    requirements over all officials (``brute_force.py``); a draft has none; a closed plan's are
    frozen as they were when it closed (none created, none ended, nothing recounted);
(b) no official is enrolled twice in a course; each current obligation's enrolment is the
    official's in the requirement's course, assigned, due on the earliest of its current
    obligations' due dates; an obligation is due on its rule's date (computed in brute force on the
    day it was assigned) or on the extension granted since;
(c) ``tallies.check`` holds for every plan and the plan figures equal a brute-force count of the
    current obligations by requirement and counted facts;
(d) the report tallies have no drift (``lms.reports.rebuild.check``), set-based enrolments included.

Each example runs in a transaction rolled back at its end, under a controlled clock that moves a
minute per step. More examples to hunt: ``TRAINING_EXAMPLES=300``.
"""

import datetime
import os
from collections import Counter, defaultdict
from unittest import mock

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lms.core.dates import today as world_today
from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.people import structure
from lms.people.models import JobPosition, LeadershipTitle, Official, OrgUnit, Placement
from lms.people.signals import officials_changed
from lms.reports import rebuild
from lms.training import services, tallies
from lms.training.models import Exclusion, Obligation, Requirement, TrainingPlan
from tests.factories import OfficialFactory, PositionGroupFactory, UserFactory, lessons_of, make_course, make_unit
from tests.reports.helpers import Clock
from tests.support.people import administrator

from . import brute_force
from .world import activated, build_world

START = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
RULES = list(Requirement.DueRule.values)
OPERATIONS = [
    "activate",
    "activate",
    "activate_later",
    "run_jobs",
    "requirement",
    "close_plan",
    "move",
    "move",
    "change",
    "change",
    "bulk_change",
    "bulk_move",
    "active",
    "active",
    "bulk_leave",
    "close_unit",
    "merge",
    "move_unit",
    "move_unit",
    "return_to_closed",
    "new_officials",
    "new_official_saved",
    "enrol",
    "lesson",
    "complete",
    "complete",
    "recertify",
    "extend",
    "exclude",
    "include",
    "advance",
]


def often_empty(strategy):
    return st.one_of(st.just([]), st.just([]), strategy)


requirement_specs = st.fixed_dictionaries(
    {
        "units": st.lists(st.integers(0, 11), min_size=1, max_size=2),
        "course": st.integers(0, 1),
        "groups": often_empty(st.lists(st.integers(0, 1), min_size=1, max_size=1)),
        "positions": often_empty(st.lists(st.integers(0, 1), min_size=1, max_size=2)),
        "titles": often_empty(st.lists(st.integers(0, 1), min_size=1, max_size=1)),
        "joined_after": st.one_of(st.none(), st.none(), st.none(), st.integers(-900, 5)),
        "rule": st.sampled_from(RULES),
        "days": st.integers(1, 60),
    }
)
steps = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 11), st.integers(0, 11), st.integers(-5, 60)),
    min_size=5,
    max_size=30,
)
tree_shapes = st.lists(st.lists(st.booleans(), max_size=2), min_size=1, max_size=3)
official_specs = st.lists(
    st.tuples(
        st.integers(0, 11),  # unit
        st.integers(0, 1),  # group
        st.integers(0, 2),  # job position (2: none)
        st.integers(0, 2),  # title (2: none)
        st.one_of(st.none(), st.integers(-2000, -1), st.integers(-60, -1)),  # placed since (days before the start)
        st.one_of(st.none(), st.integers(-3000, -1)),  # start date
        st.one_of(st.none(), st.integers(-2000, 0)),  # in the position since
    ),
    min_size=3,
    max_size=7,
)


@pytest.fixture
def lists(db):
    groups = [PositionGroupFactory(code="lanh-dao", name="Lãnh đạo"), PositionGroupFactory(code="cong-chuc")]
    positions = [JobPosition.objects.get_or_create(code=f"vtvl-{n}", defaults={"name": f"VTVL {n}"})[0] for n in (1, 2)]
    titles = [
        LeadershipTitle.objects.get_or_create(code=f"cv-{n}", defaults={"name": f"Chức vụ {n}"})[0] for n in (1, 2)
    ]
    return groups, positions, titles


@pytest.fixture
def hr(db):
    return administrator()


@pytest.fixture
def small_chunks(settings):
    """Several activation statements per requirement, with gaps between their ranges of ids."""
    settings.TRAINING_ACTIVATION_CHUNK = 2


@pytest.fixture
def courses(catalogue):
    return [make_course(catalogue, title=f"Khóa {n}", lessons=2) for n in (1, 2)]


def pick(items, n):
    items = list(items)
    return items[n % len(items)] if items else None


class World:
    """The objects of one example, picked by index (modulo) from the random numbers."""

    def __init__(self, clock, capture, hr, courses, lists):
        self.clock, self.capture, self.hr, self.courses = clock, capture, hr, courses
        self.groups, self.positions, self.titles = lists
        self.pending = []  # activation jobs enqueued but not run yet
        self.frozen = {}  # closed plan → its current obligations when it closed
        self.codes = 0

    @property
    def today(self):
        return self.clock.today()

    def units(self, open_only=True):
        units = OrgUnit.objects.order_by("path")
        return list(units.filter(valid_to__isnull=True) if open_only else units)

    def sub_units(self):
        return [u for u in self.units() if u.depth > 1]

    def officials(self):
        return list(Official.objects.order_by("pk"))

    def plans(self):
        return list(TrainingPlan.objects.order_by("pk"))

    def build(self, shape, officials, plans, spares):
        self.spares = spares
        province = structure.create_unit(None, name="Tỉnh", kind=OrgUnit.Kind.PROVINCE, code="P")
        for number, children in enumerate(shape):
            district = structure.create_unit(
                province, name=f"Huyện {number}", kind=OrgUnit.Kind.DISTRICT, code=f"H{number}"
            )
            for sub, _ in enumerate(children):
                structure.create_unit(
                    district, name=f"Xã {number}.{sub}", kind=OrgUnit.Kind.COMMUNE, code=f"X{number}{sub}"
                )
        units = self.units()
        for unit, group, position, title, placed, start, since in officials:
            official = OfficialFactory(
                unit=pick(units, unit),
                position_group=self.groups[group],
                job_position=self.positions[position] if position < 2 else None,
                leadership_title=self.titles[title] if title < 2 else None,
                start_date=None if start is None else self.today + start * DAY,
                position_since=None if since is None else self.today + since * DAY,
            )
            if placed is not None:
                Placement.objects.create(official=official, unit=official.unit, started_on=self.today + placed * DAY)
        for number, specs in enumerate(plans):
            plan = services.create_plan(self.hr, name=f"Kế hoạch {number}", year=2026, owner_unit=province)
            for n, spec in enumerate(specs):
                if number == n == 0:  # one broad requirement, so that the first plan mostly starts active
                    spec = {**spec, "units": [0], "positions": [], "titles": [], "joined_after": None}
                self.save_requirement(plan, spec)
        try:  # the first plan starts active (when it can), the others as drafts
            self.do_activate(0, 0, 0)
        except services.TrainingError:
            event("first plan refused")

    def fields(self, spec):
        units = self.units()
        rule = spec["rule"]
        return services.RequirementFields(
            course=self.courses[spec["course"]],
            audience="Cán bộ, công chức",
            units=list({pick(units, n).pk: pick(units, n) for n in spec["units"]}.values()),
            position_groups=[self.groups[n] for n in spec["groups"]],
            job_positions=[self.positions[n] for n in spec["positions"]],
            leadership_titles=[self.titles[n] for n in spec["titles"]],
            joined_after=None if spec["joined_after"] is None else self.today + spec["joined_after"] * DAY,
            due_rule=rule,
            due_date=self.today + spec["days"] * DAY if rule == Requirement.DueRule.FIXED else None,
            due_days=None if rule == Requirement.DueRule.FIXED else spec["days"],
        )

    def save_requirement(self, plan, spec, later=False):
        with self.capture(execute=False) as callbacks:
            services.save_requirement(self.hr, plan, self.fields(spec))
        self.jobs(callbacks, later)

    def jobs(self, callbacks, later):
        if later:
            self.pending += callbacks
        else:
            for callback in callbacks:
                callback()

    def apply(self, name, *args):
        self.clock.now += datetime.timedelta(minutes=1)
        try:
            getattr(self, f"do_{name}")(*args)
        except (services.TrainingError, structure.StructureError, learning.LearningError):
            event(f"{name} refused")

    # Plans -------------------------------------------------------------------------------------

    def do_activate(self, i, j, d, later=False):
        plan = pick(self.plans(), i)
        with self.capture(execute=False) as callbacks:
            services.activate(plan, self.hr)
        self.jobs(callbacks, later)

    def do_activate_later(self, i, j, d):
        self.do_activate(i, j, d, later=True)

    def do_run_jobs(self, i, j, d):
        pending, self.pending = self.pending, []
        for callback in pending:
            callback()

    def do_requirement(self, i, j, d):
        """Add one of the example's spare requirements to a plan (an active one: a job, maybe later)."""
        self.save_requirement(pick(self.plans(), i), pick(self.spares, j), later=d % 2 == 0)

    def do_close_plan(self, i, j, d):
        plan = services.close(pick(self.plans(), i))
        self.frozen[plan.pk] = frozen(plan.pk)

    def obligation(self, n):
        return pick(Obligation.objects.current().order_by("pk"), n)

    def do_extend(self, i, j, d):
        if obligation := self.obligation(i):
            services.extend(self.hr, obligation, self.today + d * DAY, "Đi công tác")

    def do_exclude(self, i, j, d):
        requirement = pick(Requirement.objects.select_related("plan").order_by("pk"), i)
        services.exclude(self.hr, requirement, pick(self.officials(), j), "Nghỉ thai sản")

    def do_include(self, i, j, d):
        if exclusion := pick(Exclusion.objects.select_related("requirement").order_by("pk"), i):
            services.include_again(exclusion.requirement, exclusion)

    # Officials ---------------------------------------------------------------------------------

    def do_move(self, i, j, d):
        structure.move_official(pick(self.officials(), i), pick(self.units(), j), self.today + (1 + d % 3) * DAY)

    def changes(self, official, j, d):
        """Give ``official`` another group, job position, title or date in the position."""
        field = ("position_group", "job_position", "leadership_title", "position_since")[d % 4]
        value = {
            "position_group": self.groups[j % 2],
            "job_position": (self.positions + [None])[j % 3],
            "leadership_title": (self.titles + [None])[j % 3],
            "position_since": None if j % 3 == 2 else self.today - (j * 40) * DAY,
        }[field]
        setattr(official, field, value)
        return field

    def do_change(self, i, j, d):
        official = pick(self.officials(), i)
        self.changes(official, j, d)
        official.save()

    def do_bulk_change(self, i, j, d):
        """As the import does: ``bulk_update`` and ``officials_changed``."""
        everyone = self.officials()
        officials = list({o.pk: o for o in (pick(everyone, i), pick(everyone, i + 1 + d % 2))}.values())
        fields = {self.changes(official, j + n, d + n) for n, official in enumerate(officials)}
        Official.objects.bulk_update(officials, sorted(fields))
        officials_changed.send(sender=Official, official_ids=[o.pk for o in officials])

    def do_bulk_move(self, i, j, d):
        """The import moving an official: unit, placements, then the signal."""
        official, unit = pick(self.officials(), i), pick(self.units(), j)
        if official.unit_id == unit.pk:
            return
        official.unit = unit
        Official.objects.bulk_update([official], ["unit"])
        Placement.objects.filter(official=official, ended_on__isnull=True).update(ended_on=self.today - DAY)
        Placement.objects.create(official=official, unit=unit, started_on=self.today)
        officials_changed.send(sender=Official, official_ids=[official.pk])

    def do_active(self, i, j, d):
        official = pick(self.officials(), i)
        official.is_active = not official.is_active
        official.save()

    def do_bulk_leave(self, i, j, d):
        official = pick(self.officials(), i)
        Official.objects.filter(pk=official.pk).update(is_active=False)
        officials_changed.send(sender=Official, official_ids=[official.pk])

    def do_new_officials(self, i, j, d):
        """As the import creates officials: users, officials, placements in bulk, then the signal."""
        created = []
        for n in range(1 + d % 2):
            self.codes += 1
            user = UserFactory(username=f"moi{self.codes}")
            official = Official(
                user=user,
                full_name="Trần Văn Mới",
                employee_code=f"MOI-{self.codes}",
                unit=pick(self.units(), i + n),
                position_group=self.groups[(j + n) % 2],
                job_position=(self.positions + [None])[(j + n) % 3],
                leadership_title=(self.titles + [None])[(i + n) % 3],
                start_date=self.today - abs(d) * DAY,
            )
            created.append(official)
        created = Official.objects.bulk_create(created)
        Placement.objects.bulk_create(Placement(official=o, unit=o.unit, started_on=o.start_date) for o in created)
        officials_changed.send(sender=Official, official_ids=[o.pk for o in created])

    def do_new_official_saved(self, i, j, d):
        OfficialFactory(
            unit=pick(self.units(), i),
            position_group=self.groups[j % 2],
            start_date=None if d % 3 == 0 else self.today - d * 10 * DAY,
        )

    # The tree ----------------------------------------------------------------------------------

    def successor_or_sub_unit(self, i, d):
        """Mostly a unit that closed units were merged into (whose officials it also stands for)."""
        successors = [u for u in self.sub_units() if OrgUnit.objects.filter(successor=u).exists()]
        return pick(successors, i) if successors and d % 3 else pick(self.sub_units(), i)

    def do_close_unit(self, i, j, d):
        if unit := self.successor_or_sub_unit(i, d):
            structure.close_unit(unit, self.today, None if d % 5 == 0 else pick(self.units(), j))

    def do_merge(self, i, j, d):
        subs = self.sub_units()
        if len(subs) >= 2:
            structure.merge_units([pick(subs, i), pick(subs, i + 1 + d % 3)], pick(self.units(), j), self.today)

    def do_return_to_closed(self, i, j, d):
        """An official who left comes back while their unit has been closed (merged) meanwhile:
        active in a closed unit, counted through its successor."""
        official = pick(self.officials(), i)
        official.is_active = False
        official.save()
        unit = OrgUnit.objects.get(pk=official.unit_id)
        if unit.depth > 1 and unit.valid_to is None:
            successor = pick([u for u in self.units() if not u.path.startswith(unit.path)], j)
            structure.close_unit(unit, self.today, successor)
        official.is_active = True
        official.save()

    def do_move_unit(self, i, j, d):
        if unit := self.successor_or_sub_unit(i, d):
            structure.move_unit(unit, None if d % 4 == 0 else pick(self.units(), j))

    # Learning ----------------------------------------------------------------------------------

    def do_enrol(self, i, j, d):
        learning.enrol(pick(self.officials(), i), self.courses[j % 2])

    def do_lesson(self, i, j, d):
        course = self.courses[j % 2]
        learning.record_lesson_done(pick(self.officials(), i), pick(lessons_of(course), d))

    def do_complete(self, i, j, d):
        course = self.courses[j % 2]
        for lesson in lessons_of(course):
            learning.record_lesson_done(pick(self.officials(), i), lesson)

    def do_recertify(self, i, j, d):
        if enrollment := pick(Enrollment.objects.order_by("pk"), i):
            learning.start_new_cycle(enrollment)

    def do_advance(self, i, j, d):
        self.clock.now += (1 + abs(d) % 20) * DAY


def frozen(plan_id):
    """What a closed plan keeps: its current obligations, their counted facts and due dates."""
    return {
        (b.requirement_id, b.official_id): (
            b.pk,
            (b.unit_id_counted, b.group_id_counted, b.position_id_counted, b.title_id_counted),
            b.due_date,
        )
        for b in Obligation.objects.current().filter(plan_id=plan_id)
    }


def assert_engine(world, where):
    """(a)–(d) of the module's docstring."""
    bf = brute_force.World()
    status = {pk: plan.status for pk, plan in bf.plans.items()}
    active = {pk for pk, s in status.items() if s == TrainingPlan.Status.ACTIVE}
    current = {(b.requirement_id, b.official_id): b for b in bf.current()}

    # (a) The obligations equal the rules: active plans by brute force, closed ones frozen, drafts none.
    got = {key for key, b in current.items() if b.plan_id in active}
    expected = bf.expected_current(active)
    assert got == expected, f"{where}: extra {sorted(got - expected)}, missing {sorted(expected - got)}"
    assert not [b for b in bf.obligations if status[b.plan_id] == TrainingPlan.Status.DRAFT], where
    for plan_id, kept in world.frozen.items():
        assert frozen(plan_id) == kept, f"{where}: closed plan {plan_id} changed"

    # (b) One enrolment per official and course; obligations' enrolments assigned, due the earliest.
    pairs = Counter((e.official_id, e.course_id) for e in bf.enrollments.values())
    assert max(pairs.values(), default=1) == 1, where
    due_dates = defaultdict(list)
    for b in current.values():
        enrollment = bf.enrollments[b.enrollment_id]
        requirement = bf.requirements[b.requirement_id]
        assert (enrollment.official_id, enrollment.course_id) == (b.official_id, requirement.course_id), where
        assert enrollment.source == Enrollment.Source.ASSIGNMENT, f"{where}: {b} not assigned"
        due_dates[b.enrollment_id].append(b.due_date)
        assert b.due_date == bf.effective_due(b), f"{where}: {b} due {b.due_date}"
        if b.assigned_at == world.clock.now:  # assigned in this step: the rule as of today
            assert b.rule_due_date == bf.rule_due(b.requirement_id, b.official_id, world.today), f"{where}: {b}"
        if b.plan_id in active:
            counted = (b.unit_id_counted, b.group_id_counted, b.position_id_counted, b.title_id_counted)
            assert counted == bf.facts(b.official_id), f"{where}: {b} counted under {counted}"
    for enrollment_id, dates in due_dates.items():
        assert bf.enrollments[enrollment_id].due_date == min(dates), f"{where}: enrolment {enrollment_id}"

    # (c) The plan tallies: self-consistent, and equal to a brute-force count.
    def facts_of(b):
        if b.plan_id in world.frozen:
            return world.frozen[b.plan_id][(b.requirement_id, b.official_id)][1]
        return (
            bf.facts(b.official_id)
            if b.plan_id in active
            else (b.unit_id_counted, b.group_id_counted, b.position_id_counted, b.title_id_counted)
        )

    for plan_id in bf.plans:
        assert tallies.check(plan_id), f"{where}: plan {plan_id} tally"
        want = bf.figures(plan_id, facts_of)
        stored = bf.stored_figures(plan_id)
        assert stored == want, f"{where}: plan {plan_id} figures"
        assert brute_force.per_requirement(stored) == brute_force.per_requirement(want), where

    # (d) The report tallies, set-based enrolments included.
    assert rebuild.check() == [], where


def describe():
    """Label the example with what it reached, for ``--hypothesis-show-statistics``."""
    for label, reached in [
        ("active plan", TrainingPlan.objects.filter(status=TrainingPlan.Status.ACTIVE).exists()),
        ("closed plan", TrainingPlan.objects.filter(status=TrainingPlan.Status.CLOSED).exists()),
        ("activating plan", TrainingPlan.objects.filter(status=TrainingPlan.Status.ACTIVATING).exists()),
        ("ended obligation", Obligation.objects.filter(ended_at__isnull=False).exists()),
        ("second round", Obligation.objects.filter(round__gt=1).exists()),
        ("completed obligation", Obligation.objects.filter(enrollment__completed_at__isnull=False).exists()),
        (
            "active official in a closed unit",
            Official.objects.filter(is_active=True, unit__valid_to__isnull=False).exists(),
        ),
        ("shared enrolment", Obligation.objects.values("enrollment").annotate(n=Count("pk")).filter(n__gt=1).exists()),
    ]:
        if reached:
            event(label)


@settings(
    max_examples=int(os.environ.get("TRAINING_EXAMPLES", 25)),  # more to hunt: TRAINING_EXAMPLES=300
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    shape=tree_shapes,
    officials=official_specs,
    plans=st.lists(st.lists(requirement_specs, min_size=1, max_size=2), min_size=1, max_size=2),
    spares=st.lists(requirement_specs, min_size=1, max_size=2),
    steps=steps,
)
def test_obligations_and_tallies_equal_a_brute_force_evaluation(
    lists, courses, hr, small_chunks, django_capture_on_commit_callbacks, shape, officials, plans, spares, steps
):
    clock = Clock(START)
    with mock.patch("django.utils.timezone.now", new=clock), transaction.atomic():
        world = World(clock, django_capture_on_commit_callbacks, hr, courses, lists)
        world.build(shape, officials, plans, spares)
        assert_engine(world, "built")
        for number, step in enumerate(steps):
            world.apply(*step)
            assert_engine(world, f"step {number} {step}")
        world.apply("run_jobs", 0, 0, 0)  # the jobs still queued run in the end
        assert_engine(world, "the queued jobs run")
        describe()
        transaction.set_rollback(True)


# What the property test found, kept as plain examples -------------------------------------------


@pytest.fixture
def small_world(catalogue):
    return build_world(catalogue)


def test_a_leaver_while_a_new_requirement_waits_for_its_job_is_ended_when_it_runs(
    small_world, catalogue, django_capture_on_commit_callbacks
):
    """The plan is activating (its job queued) while an official leaves: the officials' receivers
    skip it then, so the job must bring every obligation of the plan in line, not only those of the
    officials it targets (here the leaver has the highest id, outside every range it assigns)."""
    world = small_world
    world.official()
    leaver = world.official()
    plan = world.plan()
    world.requirement(plan)
    activated(world, plan, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as job:
        world.requirement(plan, course=make_course(catalogue, title="Văn bản điện tử", lessons=1))
    leaver.is_active = False
    leaver.save()
    for callback in job:
        callback()
    assert TrainingPlan.objects.get(pk=plan.pk).status == TrainingPlan.Status.ACTIVE
    assert not Obligation.objects.current().filter(official=leaver).exists()
    assert tallies.check(plan.pk)


def test_an_official_in_a_closed_unit_follows_its_successor_when_the_successor_moves(
    small_world, django_capture_on_commit_callbacks
):
    """An official back at work in a closed (merged) unit is targeted through its successor: moving
    the successor into (or out of) a requirement's units moves them into (or out of) the target."""
    world = small_world
    world.official()
    plan = world.plan()
    world.requirement(plan, units=[world.commune_a])
    activated(world, plan, django_capture_on_commit_callbacks)
    successor = make_unit(world.province, name="Xã Sơn Thủy", code="XA-S")
    returner = world.official(unit=world.commune_b)
    returner.is_active = False
    returner.save()
    structure.close_unit(world.commune_b, world_today(), successor)
    returner.is_active = True
    returner.save()
    assert not Obligation.objects.filter(official=returner).exists()
    structure.move_unit(successor, world.commune_a)
    assert Obligation.objects.current().filter(official=returner).exists()
    structure.move_unit(successor, world.province)
    assert not Obligation.objects.current().filter(official=returner).exists()
    assert tallies.check(plan.pk)


def test_an_extension_leaves_a_closed_plan_alone(small_world, django_capture_on_commit_callbacks):
    world = small_world
    official = world.official()
    plan = world.plan()
    world.requirement(plan)
    activated(world, plan, django_capture_on_commit_callbacks)
    services.close(plan)
    obligation = Obligation.objects.get(official=official)
    with pytest.raises(services.TrainingError):
        services.extend(world.hr, obligation, obligation.due_date + DAY, "Đi công tác")
    exclusion = Exclusion.objects.create(requirement=obligation.requirement, official=official, reason="x")
    with pytest.raises(services.TrainingError):
        services.include_again(obligation.requirement, exclusion)
    obligation.refresh_from_db()
    assert obligation.due_date == obligation.rule_due_date
    assert Enrollment.objects.get(pk=obligation.enrollment_id).due_date == obligation.due_date
