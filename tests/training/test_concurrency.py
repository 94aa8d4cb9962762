"""Activating a plan under real concurrency, on PostgreSQL: threads with their own connections.

(a) Two activations of one plan at once (two ``assign_plan`` calls, or two deliveries of the task):
    each official one obligation and one enrolment, the tallies right.
(b) An activation and an import that brings new officials (``officials_changed``) at once: nobody
    enrolled twice, every new official assigned, whichever commits first.
(c) A learner finishing the course while the plan is being activated: the plan's tally and the
    report tallies agree with the rows once both have committed.

(b) and (c) are also run in the one interleaving that used to go wrong, held in place by gates in
the two threads (a gate waits a few seconds at most: where the fix makes one side wait for the
other's lock, it gives up waiting and the test goes on).
"""

import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import transaction

from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.people.models import Official, Placement
from lms.people.signals import officials_changed
from lms.reports import rebuild
from lms.training import assignment, services, tallies
from lms.training.models import Obligation, TrainingPlan
from tests.concurrency import run_together
from tests.factories import UserFactory, lessons_of, make_unit
from tests.support.db import ROW_LOCKS, postgres_only
from tests.training import brute_force
from tests.training.world import build_world

pytestmark = [postgres_only(ROW_LOCKS), pytest.mark.django_db(transaction=True)]

OFFICIALS = 12
TIMEOUT = 120
GATE_SECONDS = 3


@pytest.fixture
def world(catalogue):
    world = build_world(catalogue)
    for n in range(OFFICIALS):
        world.official(unit=[world.commune_a, world.commune_b][n % 2])
    return world


def activating(world, **requirement):
    """A plan with one requirement for everyone, ready for its job (as ``activate`` leaves it)."""
    plan = world.plan()
    world.requirement(plan, **requirement)
    TrainingPlan.objects.filter(pk=plan.pk).update(status=TrainingPlan.Status.ACTIVATING, activated_by=world.hr)
    return TrainingPlan.objects.get(pk=plan.pk)


def assert_consistent(plan):
    """The obligations are the rule's, each official enrolled once, both kinds of tally right."""
    bf = brute_force.World()
    current = {(b.requirement_id, b.official_id) for b in bf.current()}
    assert current == bf.expected_current({plan.pk})
    assert len({(b.requirement_id, b.official_id) for b in bf.obligations}) == len(bf.obligations)
    pairs = [(e.official_id, e.course_id) for e in bf.enrollments.values()]
    assert len(pairs) == len(set(pairs))
    facts = lambda b: bf.facts(b.official_id)  # noqa: E731
    assert tallies.check(plan.pk)
    assert bf.stored_figures(plan.pk) == bf.figures(plan.pk, facts)
    assert rebuild.check() == []


class Gate:
    """An event one thread sets and another waits for, a few seconds at most."""

    def __init__(self):
        self.event = threading.Event()

    def open(self):
        self.event.set()

    def wait(self):
        return self.event.wait(GATE_SECONDS)


@contextmanager
def after_tallying(sign, hook):
    """Call ``hook()`` when this thread has just added (``sign`` 1) fresh obligations to the plan
    tally, or taken (-1) ended ones out."""
    real, me = assignment.tallies.add_ids, threading.get_ident()

    def add_ids(signed, ids):
        real(signed, ids)
        if signed == sign and threading.get_ident() == me:
            hook()

    with mock.patch.object(assignment.tallies, "add_ids", add_ids):
        yield


# (a) -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [3, 25000])
def test_two_activations_of_one_plan_at_once(world, settings, chunk):
    settings.TRAINING_ACTIVATION_CHUNK = chunk
    learning.enrol(world.officials[0], world.course)  # one already enrolled by themself
    plan = activating(world)

    _, errors = run_together(
        2, lambda index, _: services.assign_plan(TrainingPlan.objects.get(pk=plan.pk)), timeout=TIMEOUT
    )

    assert errors == [None, None]
    assert TrainingPlan.objects.get(pk=plan.pk).status == TrainingPlan.Status.ACTIVE
    assert Obligation.objects.count() == OFFICIALS
    assert Enrollment.objects.filter(course=world.course).count() == OFFICIALS
    assert_consistent(plan)


def test_two_deliveries_of_the_activation_task_at_once(world):
    plan = activating(world)

    results, errors = run_together(2, lambda index, _: services.run_activation(plan.pk), timeout=TIMEOUT)

    assert errors == [None, None]
    assert sorted(map(str, results)) == ["None", "active"]  # the second found it held, or done
    assert Obligation.objects.count() == OFFICIALS
    assert_consistent(plan)


# (b) -----------------------------------------------------------------------------------------


def import_officials(world, count, prefix):
    """As the import creates officials: users, officials and placements in bulk, then the signal."""
    with transaction.atomic():
        users = [UserFactory(username=f"{prefix}{n}") for n in range(count)]
        officials = Official.objects.bulk_create(
            Official(
                user=user,
                full_name="Lê Thị Mới",
                employee_code=f"{prefix}-{n}",
                unit=world.commune_a,
                position_group=world.civil,
            )
            for n, user in enumerate(users)
        )
        Placement.objects.bulk_create(Placement(official=o, unit=o.unit, started_on=world_today()) for o in officials)
        officials_changed.send(sender=Official, official_ids=[o.pk for o in officials])
    return [o.pk for o in officials]


def world_today():
    from lms.core.dates import today

    return today()


def test_an_activation_and_an_import_at_once(world, settings):
    settings.TRAINING_ACTIVATION_CHUNK = 3
    plan = activating(world)

    def work(index, _):
        if index == 0:
            return services.assign_plan(TrainingPlan.objects.get(pk=plan.pk)).status
        return import_officials(world, 5, f"moi{index}")

    results, errors = run_together(3, work, timeout=TIMEOUT)

    assert errors == [None, None, None]
    newcomers = results[1] + results[2]
    assert set(
        Obligation.objects.current().filter(official_id__in=newcomers).values_list("official_id", flat=True)
    ) == set(newcomers)
    assert_consistent(plan)


def test_an_import_committing_while_the_activation_finishes_is_assigned(world):
    """The activation has assigned everyone it saw and is about to commit; the import's officials
    arrive then, and their receivers look at the plan before the activation commits."""
    plan = activating(world)
    assigned, imported = Gate(), Gate()

    def work(index, _):
        if index == 0:
            with after_tallying(1, lambda: (assigned.open(), imported.wait())):
                return services.assign_plan(TrainingPlan.objects.get(pk=plan.pk)).status
        assigned.wait()
        ids = import_officials(world, 3, "moi")
        imported.open()
        return ids

    results, errors = run_together(2, work, timeout=TIMEOUT)

    assert errors == [None, None]
    assert Obligation.objects.current().filter(official_id__in=results[1]).count() == 3
    assert_consistent(plan)


# (c) -----------------------------------------------------------------------------------------


def finish(official_id, course):
    official = Official.objects.get(pk=official_id)
    for lesson in lessons_of(course):
        learning.record_lesson_done(official, lesson)


@pytest.mark.parametrize("chunk", [3, 25000])
def test_learners_finishing_while_the_plan_activates(world, settings, chunk):
    settings.TRAINING_ACTIVATION_CHUNK = chunk
    learners = world.officials[::2]
    for official in learners:
        learning.enrol(official, world.course)
        learning.record_lesson_done(official, lessons_of(world.course)[0])
    plan = activating(world)

    def work(index, _):
        if index == 0:
            return services.assign_plan(TrainingPlan.objects.get(pk=plan.pk)).status
        return finish(learners[index - 1].pk, world.course)

    _, errors = run_together(1 + len(learners), work, timeout=TIMEOUT)

    assert errors == [None] * (1 + len(learners))
    assert Enrollment.objects.filter(completed_at__isnull=False).count() == len(learners)
    assert_consistent(plan)


def test_a_completion_committing_after_the_activation_counted_it(world):
    """The learner has finished (and holds the enrolment) when the activation counts it; the
    learner commits before the activation does. (Alone in their unit, so that no report tally row
    the activation writes makes it wait for the learner first.)"""
    alone = make_unit(world.province, name="Xã Đảo", code="XA-DAO")
    learner = world.official(unit=alone)
    learning.enrol(learner, world.course)
    learning.record_lesson_done(learner, lessons_of(world.course)[0])
    plan = activating(world, units=[alone])
    finished, counted = Gate(), Gate()

    def work(index, _):
        if index == 0:
            finished.wait()
            with after_tallying(1, counted.open):
                return services.assign_plan(TrainingPlan.objects.get(pk=plan.pk)).status
        with transaction.atomic():
            finish(learner.pk, world.course)
            finished.open()
            counted.wait()

    _, errors = run_together(2, work, timeout=TIMEOUT)

    assert errors == [None, None]
    assert Enrollment.objects.get(official=learner).completed_at is not None
    assert_consistent(plan)


def test_an_obligation_ended_while_its_learner_finishes(world):
    """An official leaves the target (and so the plan's figures) while finishing the course."""
    learner = world.officials[0]
    plan = activating(world, units=[world.commune_a])
    services.assign_plan(plan)
    learning.record_lesson_done(learner, lessons_of(world.course)[0])
    finished, ended = Gate(), Gate()

    def work(index, _):
        if index == 0:
            finished.wait()
            with after_tallying(-1, ended.open):
                official = Official.objects.get(pk=learner.pk)
                official.unit = world.commune_b
                official.save()
            return None
        with transaction.atomic():
            finish(learner.pk, world.course)
            finished.open()
            ended.wait()

    _, errors = run_together(2, work, timeout=TIMEOUT)

    assert errors == [None, None]
    assert not Obligation.objects.current().filter(official=learner).exists()
    assert_consistent(plan)
