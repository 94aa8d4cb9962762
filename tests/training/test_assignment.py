"""Assignment by rules: retroactive and forward, never duplicated or reset, ended not deleted."""

import datetime

import pytest
from django.utils import timezone

from lms.core.dates import today
from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.people.models import Placement
from lms.people.signals import officials_changed
from lms.training import services, tallies
from lms.training.models import Obligation, Requirement, TrainingPlan
from tests.training.world import activated, build_world, days


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


def test_activation_assigns_every_matching_official_with_due_date_and_reason(world, activate):
    leader = world.official(group=world.leaders)
    other = world.official(unit=world.commune_b, group=world.leaders)
    world.official(group=world.civil)  # not targeted
    plan = world.plan()
    world.requirement(plan, position_groups=[world.leaders])
    activate(world, plan)
    obligations = Obligation.objects.order_by("official_id")
    assert [o.official_id for o in obligations] == sorted([leader.pk, other.pk])
    enrollment = Enrollment.objects.get(official=leader, course=world.course)
    assert enrollment.source == Enrollment.Source.ASSIGNMENT
    assert enrollment.due_date == today() + days(30)
    assert obligations[0].due_date == today() + days(30)
    assert tallies.check(plan.pk)


def test_self_enrolment_becomes_assigned_and_keeps_its_progress(world, activate):
    leader = world.official(group=world.leaders)
    enrollment = learning.enrol(leader, world.course)
    learning.record_lesson_done(leader, world.course.lessons()[0])
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    enrollment.refresh_from_db()
    assert enrollment.source == Enrollment.Source.ASSIGNMENT
    assert enrollment.due_date == today() + days(30)
    assert enrollment.last_activity_at is not None
    assert enrollment.lesson_progress.count() == 1
    assert Enrollment.objects.filter(official=leader).count() == 1
    assert tallies.check(plan.pk)


def test_a_later_joiner_is_assigned_and_a_leaver_ends_without_losing_the_record(world, activate):
    plan = world.plan()
    world.official()
    world.requirement(plan, units=[world.commune_a])
    activate(world, plan)
    newcomer = world.official(unit=world.commune_a)
    assert Obligation.objects.current().filter(official=newcomer).exists()
    newcomer.unit = world.commune_b
    newcomer.save()
    obligation = Obligation.objects.get(official=newcomer)
    assert obligation.ended_at is not None
    assert Enrollment.objects.filter(official=newcomer, course=world.course).exists()
    newcomer.unit = world.commune_a
    newcomer.save()
    obligation.refresh_from_db()
    assert obligation.ended_at is None and obligation.round == 2
    assert Obligation.objects.filter(official=newcomer).count() == 1
    assert tallies.check(plan.pk)


def test_bulk_changes_through_officials_changed_are_followed(world, activate):
    plan = world.plan()
    world.official(group=world.leaders)
    world.requirement(plan, position_groups=[world.leaders])
    activate(world, plan)
    promoted = world.official(group=world.civil)
    assert not Obligation.objects.filter(official=promoted).exists()
    type(promoted).objects.filter(pk=promoted.pk).update(position_group=world.leaders)
    officials_changed.send(sender=type(promoted), official_ids=[promoted.pk])
    assert Obligation.objects.current().filter(official=promoted).exists()
    assert tallies.check(plan.pk)


def test_completion_moves_the_tally(world, activate):
    leader = world.official()
    plan = world.plan()
    requirement = world.requirement(plan)
    activate(world, plan)
    for lesson in world.course.lessons():
        learning.record_lesson_done(leader, lesson)
    assert tallies.check(plan.pk)
    assert sum(t.completed for t in requirement_tallies(requirement)) == 1


def requirement_tallies(requirement):
    from lms.training.models import PlanTally

    return PlanTally.objects.filter(requirement_id=requirement.pk)


def test_relative_to_joining_uses_the_placement_but_gives_notice(world, activate):
    joined_long_ago = world.official()
    Placement.objects.create(official=joined_long_ago, unit=world.commune_a, started_on=datetime.date(2019, 1, 1))
    joined_recently = world.official()
    Placement.objects.create(official=joined_recently, unit=world.commune_a, started_on=today() - days(2))
    plan = world.plan()
    world.requirement(plan, due_rule=Requirement.DueRule.AFTER_JOINING, due_days=30)
    activate(world, plan)
    assert Obligation.objects.get(official=joined_long_ago).due_date == today() + days(7)
    assert Obligation.objects.get(official=joined_recently).due_date == today() + days(28)


def test_exclusion_ends_the_obligation_and_extension_moves_the_due_date(world, activate):
    first, second = world.official(), world.official()
    plan = world.plan()
    requirement = world.requirement(plan)
    activate(world, plan)
    services.exclude(world.hr, requirement, first, "Nghỉ thai sản")
    assert Obligation.objects.get(official=first).ended_at is not None
    obligation = Obligation.objects.get(official=second)
    services.extend(world.hr, obligation, today() + days(60), "Đi công tác dài ngày")
    obligation.refresh_from_db()
    assert obligation.due_date == today() + days(60)
    assert obligation.rule_due_date == today() + days(30)
    assert Enrollment.objects.get(pk=obligation.enrollment_id).due_date == today() + days(60)
    assert tallies.check(plan.pk)


@pytest.mark.parametrize(
    "case",
    ["no_one", "past", "not_live", "outside"],
)
def test_activation_refusals(world, case, activate):
    world.official(group=world.civil)
    plan = world.plan()
    if case == "outside":
        from tests.support.people import hr_of

        world.hr = hr_of(world.commune_b, username="hr_b")
    fields = {}
    if case == "no_one":
        fields["position_groups"] = [world.leaders]
    if case == "past":
        fields.update(due_rule=Requirement.DueRule.FIXED, due_date=today() - days(1), due_days=None)
    if case == "outside":
        requirement = Requirement.objects.create(
            plan=plan, course=world.course, course_title="x", audience="x", due_rule="after_assignment", due_days=3
        )
        requirement.units.set([world.province])
    else:
        world.requirement(plan, **fields)
    if case == "not_live":
        world.course.unpublish()
    with pytest.raises(services.TrainingError):
        services.activate(plan, world.hr)
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.DRAFT
    assert not Obligation.objects.exists()


def test_activating_twice_changes_nothing(world, activate):
    world.official()
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    with pytest.raises(services.TrainingError):
        services.activate(plan, world.hr)
    assert services.assign_plan(plan).status == TrainingPlan.Status.ACTIVE
    assert Obligation.objects.count() == 1 and Enrollment.objects.count() == 1
    assert tallies.check(plan.pk)


def test_preview_counts(world, activate):
    done, enrolled = world.official(), world.official()
    world.official()
    learning.enrol(done, world.course)
    for lesson in world.course.lessons():
        learning.record_lesson_done(done, lesson)
    learning.enrol(enrolled, world.course)
    plan = world.plan()
    requirement = world.requirement(plan)
    preview = services.preview(requirement)
    assert (preview.matched, preview.completed, preview.enrolled, preview.new) == (3, 1, 1, 1)
    assert preview.due_changes == 1
    assert preview.messages == 2
    assert timezone.now()
