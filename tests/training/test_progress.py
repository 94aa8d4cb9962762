"""Plan progress (lms.training.progress): every figure equals a brute-force count over the obligations
and their enrolments, through activation, completion, extension and leaving the target; overdue
follows the day asked for; the drill-down adds up to its parent; nobody reads outside their scope."""

from collections import defaultdict
from dataclasses import dataclass

import pytest

from content.models import CoursePage
from lms.core.dates import today
from lms.learning import services as learning
from lms.people.models import OrgUnit
from lms.training import progress, services, visibility
from lms.training.models import Obligation, Requirement, TrainingPlan
from tests.factories import make_course, make_unit
from tests.support.learning import finish
from tests.support.people import hr_of
from tests.training.world import activated, build_world, days


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


@dataclass
class Province:
    """The world's province with a district (Huyện Đông, with Xã Tân Lập) and a plan of two
    requirements: leaders everywhere (fixed date, 8 hours), and everyone of commune A and the
    district (30 days after assignment, 4 hours)."""

    world: object
    district: OrgUnit
    commune_c: OrgUnit
    plan: TrainingPlan
    leaders: Requirement
    everyone: Requirement
    other_course: object
    people: dict


def make_province(world, activate, catalogue, extra_officials=0):
    w = world
    district = make_unit(w.province, name="Huyện Đông", kind=OrgUnit.Kind.DISTRICT, code="H-DONG")
    commune_c = make_unit(district, name="Xã Tân Lập", code="XA-C")
    other_course = make_course(catalogue, title="Quản lý văn bản điện tử", lessons=1)
    CoursePage.objects.filter(pk=w.course.pk).update(hours=8)
    CoursePage.objects.filter(pk=other_course.pk).update(hours=4)
    people = {
        "a_chair": w.official(group=w.leaders, leadership_title=w.chairman),
        "a_leader": w.official(group=w.leaders, job_position=w.clerk),
        "a_clerk": w.official(group=w.civil, job_position=w.clerk),
        "b_leader": w.official(unit=w.commune_b, group=w.leaders),
        "c_leader": w.official(unit=commune_c, group=w.leaders),
        "c_clerk": w.official(unit=commune_c, group=w.civil, job_position=w.clerk),
        "p_leader": w.official(unit=w.province, group=w.leaders),
    }
    for n in range(extra_officials):
        w.official(unit=(w.commune_a, w.commune_b, commune_c)[n % 3], group=(w.leaders, w.civil)[n % 2])
    plan = w.plan()
    leaders = w.requirement(
        plan,
        position_groups=[w.leaders],
        due_rule=Requirement.DueRule.FIXED,
        due_date=today() + days(20),
        due_days=None,
    )
    everyone = w.requirement(plan, units=[w.commune_a, district], course=other_course, audience="Công chức xã")
    activate(w, plan)
    return Province(w, district, commune_c, plan, leaders, everyone, other_course, people)


# The brute force ------------------------------------------------------------------------------


def brute(plan, day):
    """``[(requirement, unit path, group, position, title, (targeted, completed, in progress,
    overdue, hours))]`` of every open obligation, from the official's current facts and the
    enrolment itself."""
    paths = dict(OrgUnit.objects.values_list("pk", "path"))
    out = []
    for o in Obligation.objects.current().filter(plan=plan).select_related("official", "enrollment", "requirement"):
        e, official = o.enrollment, o.official
        done = e.completed_at is not None
        started = (
            not done
            and e.last_activity_at is not None
            and (e.cycle_started_at is None or e.last_activity_at > e.cycle_started_at)
        )
        hours = CoursePage.objects.get(pk=o.requirement.course_id).hours if done else 0
        out.append(
            (
                o.requirement_id,
                paths[official.unit_id],
                official.position_group_id,
                official.job_position_id or 0,
                official.leadership_title_id or 0,
                (1, int(done), int(started), int(not done and o.due_date < day), hours),
            )
        )
    return out


def summed(rows, key, within="", requirement=None):
    totals = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in rows:
        if not row[1].startswith(within) or (requirement is not None and row[0] != requirement.pk):
            continue
        for i, value in enumerate(row[5]):
            totals[key(row)][i] += value
    return {k: (t, c, p, t - c - p, o, h) for k, (t, c, p, o, h) in totals.items()}


def shown(figures):
    return (
        figures.targeted,
        figures.completed,
        figures.in_progress,
        figures.not_started,
        figures.overdue,
        figures.hours,
    )


def check(plan, area, day, requirement=None):
    """Every figure of ``progress`` at ``area`` on ``day`` against the brute force."""
    result = progress.progress(plan, area, requirement.pk if requirement else None, day)
    rows = brute(plan, day)
    within = area.unit.path if area.unit else area.roots[0].path
    everything = summed(rows, lambda r: (), within, requirement)
    assert shown(result.summary) == everything.get((), (0,) * 6)
    per_requirement = summed(rows, lambda r: r[0], within)
    assert {row.key: shown(row.figures) for row in result.by_requirement} == {
        r.pk: per_requirement.get(r.pk, (0,) * 6) for r in plan.requirements.all()
    }
    level = area.level
    cut = len(level.path) + OrgUnit.steplen
    by_unit = summed(rows, lambda r: r[1][:cut], within, requirement)
    assert {row.key: shown(row.figures) for row in result.by_unit} == by_unit
    assert [row.own for row in result.by_unit] == [row.key == level.path for row in result.by_unit]
    for attribute, index in (("by_group", 2), ("by_position", 3), ("by_title", 4)):
        expected = summed(rows, lambda r, i=index: r[i], within, requirement)
        assert {row.key: shown(row.figures) for row in getattr(result, attribute)} == expected, attribute
    return result


# Figures ----------------------------------------------------------------------------------------


def test_figures_equal_a_brute_force_count_through_the_plan_s_life(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    area = progress.area_for(world.hr)
    result = check(p.plan, area, today())
    assert shown(result.summary) == (5 + 5, 0, 0, 10, 0, 0)  # five leaders; three of A and two of C
    # A completion (8 hours), a start, an extension, someone leaving a target.
    finish(p.people["a_chair"], world.course)
    learning.record_lesson_done(p.people["b_leader"], world.course.lessons()[0])
    services.extend(
        world.hr,
        Obligation.objects.get(official=p.people["c_leader"], requirement=p.leaders),
        today() + days(60),
        "Đi học dài hạn",
    )
    a_clerk = p.people["a_clerk"]
    a_clerk.unit = world.commune_b  # out of "everyone" (commune A and the district)
    a_clerk.save()
    for day in (today(), today() + days(21), today() + days(31), today() + days(61)):
        for unit in (None, world.province, p.district, world.commune_a, p.commune_c):
            unit_area = progress.area_for(world.hr, unit.pk if unit else None)
            for requirement in (None, p.leaders, p.everyone):
                check(p.plan, unit_area, day, requirement)
    result = check(p.plan, area, today())
    assert shown(result.summary) == (9, 1, 1, 7, 0, 8)
    leaders = result.by_requirement[0].figures
    assert (leaders.targeted, leaders.completed, leaders.percent) == (5, 1, 20.0)


def test_overdue_follows_the_day_asked_for_and_the_extension(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    finish(p.people["a_chair"], world.course)
    services.extend(
        world.hr,
        Obligation.objects.get(official=p.people["c_leader"], requirement=p.leaders),
        today() + days(60),
        "Đi học dài hạn",
    )
    area = progress.area_for(world.hr)

    def overdue(day, requirement):
        return progress.progress(p.plan, area, requirement.pk, day).summary.overdue

    assert overdue(today(), p.leaders) == 0
    assert overdue(today() + days(20), p.leaders) == 0  # due that day: not yet overdue
    assert overdue(today() + days(21), p.leaders) == 5 - 1 - 1  # less the completed and the extended
    assert overdue(today() + days(61), p.leaders) == 4
    assert overdue(today() + days(30), p.everyone) == 0
    assert overdue(today() + days(31), p.everyone) == 5


def test_the_default_day_is_today_in_vietnam(world, activate, catalogue, monkeypatch):
    p = make_province(world, activate, catalogue)
    monkeypatch.setattr(progress, "local_today", lambda: today() + days(25))
    assert progress.progress(p.plan, progress.area_for(world.hr)).summary.overdue == 5  # the leaders


def test_the_drill_down_adds_up_to_its_parent_at_every_level(world, activate, catalogue):
    p = make_province(world, activate, catalogue, extra_officials=9)
    finish(p.people["c_leader"], world.course)
    for unit in (world.province, p.district):
        result = progress.progress(p.plan, progress.area_for(world.hr, unit.pk))
        total = progress.Figures()
        for row in result.by_unit:
            total.merge(row.figures)
        assert shown(total) == shown(result.summary), unit.name
        for row in result.by_unit:
            if row.own:
                assert row.unit == unit
                continue
            below = progress.progress(p.plan, progress.area_for(world.hr, row.unit.pk)).summary
            assert shown(below) == shown(row.figures), row.unit.name
    names = [(row.unit.name, row.own) for row in progress.progress(p.plan, progress.area_for(world.hr)).by_unit]
    assert names == [("Tỉnh Minh Sơn", True), ("Xã Sơn Hà", False), ("Xã Hòa Bình", False), ("Huyện Đông", False)]


def test_a_closed_unit_with_officials_shows_under_its_parent(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    old = make_unit(p.district, name="Xã Cũ", code="XA-CU")
    official = world.official(unit=old, group=world.leaders)
    OrgUnit.objects.filter(pk=old.pk).update(valid_to=today() - days(1))  # closed, its official not moved
    result = check(p.plan, progress.area_for(world.hr, p.district.pk), today())
    row = next(row for row in result.by_unit if row.unit and row.unit.pk == old.pk)
    assert row.unit.is_closed and row.figures.targeted == 2  # both requirements
    assert Obligation.objects.current().filter(official=official).count() == 2


def test_labels_of_groups_positions_and_titles(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    result = progress.progress(p.plan, progress.area_for(world.hr, world.commune_a.pk), p.leaders.pk)
    assert [(str(row.label), row.figures.targeted) for row in result.by_group] == [("Lãnh đạo", 2)]
    assert [(str(row.label), row.figures.targeted) for row in result.by_position] == [
        ("Văn thư – lưu trữ", 1),
        (str(progress.NONE_LABEL), 1),
    ]
    assert [(str(row.label), row.figures.targeted) for row in result.by_title] == [
        ("Chủ tịch UBND xã", 1),
        (str(progress.NONE_LABEL), 1),
    ]


def test_a_requirement_of_another_plan_is_unknown(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    other = world.requirement(world.plan(name="Kế hoạch khác"))
    area = progress.area_for(world.hr)
    for wrong in (other.pk, "abc", "99999999999999999999999"):
        with pytest.raises(progress.UnknownRequirement):
            progress.progress(p.plan, area, wrong)


# Scope ----------------------------------------------------------------------------------------


def test_hr_of_a_commune_reads_only_its_part_of_the_province_s_plan(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    hr_a = hr_of(world.commune_a, can_manage=False)
    assert list(visibility.visible_plans(hr_a)) == [p.plan]
    area = progress.area_for(hr_a)
    assert area.roots == (world.commune_a,) and area.level == world.commune_a
    result = check(p.plan, area, today())
    assert result.summary.targeted == 2 + 3
    assert [row.unit for row in result.by_unit] == [world.commune_a]
    for outside in (world.commune_b, world.province, p.district, 99999999, "x"):
        with pytest.raises(progress.NotWithin):
            progress.area_for(hr_a, getattr(outside, "pk", outside))


def test_who_sees_which_plan(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    draft = world.plan(name="Bản nháp của tỉnh")
    world.requirement(draft)
    only_c = world.plan(name="Kế hoạch của xã Tân Lập")
    world.requirement(only_c, units=[p.commune_c])
    activate(world, only_c)
    own_plan_of_b = services.create_plan(
        hr_of(world.commune_b), name="Kế hoạch riêng của xã Hòa Bình", year=2026, owner_unit=world.commune_b
    )

    def visible(user):
        return set(visibility.visible_plans(user).values_list("name", flat=True))

    assert visible(world.hr) == {p.plan.name, draft.name, only_c.name, own_plan_of_b.name}
    # Commune B: the province's plan (it targets the whole province), its own draft; not the draft
    # of the province, nor the plan for commune C only.
    assert visible(hr_of(world.commune_b)) == {p.plan.name, own_plan_of_b.name}
    assert visible(hr_of(p.district, can_manage=False)) == {p.plan.name, only_c.name}
    assert visible(hr_of(world.commune_a)) == {p.plan.name}
    assert visible(world.official().user) == set()


def test_the_people_behind_the_figures(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    finish(p.people["a_chair"], world.course)
    learning.record_lesson_done(p.people["a_leader"], world.course.lessons()[0])
    area = progress.area_for(world.hr, world.commune_a.pk)
    requirements = progress.plan_requirements(p.plan)
    day = today() + days(21)
    summary = progress.figures(requirements, area, None, day)
    assert summary.targeted == len(progress.obligations(p.plan, area, today=day)) == 5
    for status in progress.STATUSES:
        rows = list(progress.obligations(p.plan, area, status=status, today=day))
        assert len(rows) == getattr(summary, status), status
    completed = progress.with_status(progress.obligations(p.plan, area, status="completed", today=day)[0], day)
    assert (completed.official, completed.hours, completed.late, completed.unit_name) == (
        p.people["a_chair"],
        8,
        False,
        "Xã Sơn Hà",
    )
    page = progress.people_page(p.plan, area, requirements, "1", p.leaders, "overdue", day)
    assert page.paginator.count == 1 and [o.official for o in page] == [p.people["a_leader"]]
    assert page.object_list[0].late and page.object_list[0].status == "in_progress"


def test_several_roots_give_a_row_each_and_an_administrator_reads_everything(world, activate, catalogue):
    from tests.support.people import administrator

    p = make_province(world, activate, catalogue)
    finish(p.people["c_leader"], world.course)
    hr = hr_of(world.commune_a, p.commune_c)
    area = progress.area_for(hr)
    assert area.level is None and area.roots == (world.commune_a, p.commune_c)
    result = progress.progress(p.plan, area)
    assert [(row.unit, row.own) for row in result.by_unit] == [(world.commune_a, False), (p.commune_c, False)]
    total = progress.Figures()
    for row in result.by_unit:
        total.merge(row.figures)
    assert shown(total) == shown(result.summary) == (5 + 3, 1, 0, 7, 0, 8)
    admin = progress.progress(p.plan, progress.area_for(administrator()))
    province = progress.progress(p.plan, progress.area_for(world.hr))
    assert shown(admin.summary) == shown(province.summary)
    assert [(row.key, shown(row.figures)) for row in admin.by_unit] == [
        (row.key, shown(row.figures)) for row in province.by_unit
    ]
