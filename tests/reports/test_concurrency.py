"""On PostgreSQL, learners finishing courses at the same moment as an administrator merges their
units and HR changes a group: no learner is caught in a deadlock, and nothing is counted twice or
lost (both happened before the locks in ``lms.reports.maintenance`` were ordered as they are)."""

import datetime

import pytest
from django.db import OperationalError

from lms.learning import services
from lms.people import structure
from lms.people.models import Official, OrgUnit, PositionGroup
from lms.reports import rebuild
from tests.concurrency import run_together
from tests.factories import lessons_of, placed_official
from tests.support.db import postgres_only

pytestmark = [
    postgres_only("SQLite lets one writer in at a time, so the locks under test cannot race"),
    pytest.mark.django_db(transaction=True),
]

LEARNERS = 6


def test_completions_a_merger_and_regrouping_at_once(tree, groups, course):
    learners = [placed_official([tree.a, tree.b][n % 2], position_group=groups.staff) for n in range(LEARNERS)]
    for official in learners:
        services.enrol(official, course)
        services.record_lesson_done(official, lessons_of(course)[0])

    def work(index, _prepared):
        for attempt in range(5):
            try:
                if index < LEARNERS:
                    official = Official.objects.get(pk=learners[index].pk)
                    for lesson in lessons_of(course):
                        services.record_lesson_done(official, lesson)
                elif index == LEARNERS:
                    structure.merge_units([OrgUnit.objects.get(pk=tree.b.pk)], tree.a, datetime.date(2025, 6, 30))
                else:
                    official = Official.objects.get(pk=learners[0].pk)
                    official.position_group = PositionGroup.objects.get(pk=groups.leaders.pk)
                    official.save()
                return attempt
            except OperationalError:  # a deadlock PostgreSQL broke by failing this side
                continue
        raise AssertionError("gave up after five deadlocks")

    results, errors = run_together(LEARNERS + 2, work)
    assert errors == [None] * (LEARNERS + 2)
    # Two administrators' changes may deadlock with each other (and be retried); learners never do.
    assert results[:LEARNERS] == [0] * LEARNERS, f"retries by thread: {results}"
    assert rebuild.check() == []
