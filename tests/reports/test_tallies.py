"""What the report numbers mean, one behaviour at a time, and how each change reaches the tallies."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.learning import services
from lms.people import structure
from lms.reports import aggregation, maintenance, rebuild
from lms.reports.aggregation import Filters
from lms.reports.models import DueTally
from tests.factories import lessons_of, placed_official
from tests.support.learning import finish

from .helpers import assert_matches_brute_force


def numbers(units, **filters):
    n = aggregation.summary(units, Filters(**filters))
    return n.headcount, n.enrolled, n.completed, n.in_progress, n.not_started, n.overdue


def test_statuses_of_enrolments(clock, tree, groups, course):
    done, started, idle = (placed_official(tree.a, position_group=groups.staff) for _ in range(3))
    placed_official(tree.b, position_group=groups.staff)  # counted in headcount only
    for official in (done, started, idle):
        services.enrol(official, course)
    finish(done, course)
    services.record_lesson_done(started, lessons_of(course)[0])
    assert numbers([tree.province]) == (4, 3, 1, 1, 1, 0)
    assert numbers([tree.b]) == (1, 0, 0, 0, 0, 0)
    assert aggregation.summary([tree.a]).completion_rate == 1 / 3
    assert aggregation.summary([tree.b]).completion_rate is None


def test_overdue_is_decided_on_the_day_asked(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course, due_date=datetime.date(2025, 3, 20))
    day = datetime.date(2025, 3, 20)
    assert aggregation.summary([tree.a], today=day).overdue == 0
    assert aggregation.summary([tree.a], today=day + datetime.timedelta(days=1)).overdue == 1
    finish(official, course)
    assert aggregation.summary([tree.a], today=day + datetime.timedelta(days=1)).overdue == 0


def test_a_reopened_enrolment_is_not_started_until_new_activity(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    enrollment = services.enrol(official, course)
    finish(official, course)
    clock.advance(days=400)
    services.start_new_cycle(enrollment)
    assert numbers([tree.a], year=2026) == (1, 1, 0, 0, 1, 0)
    assert numbers([tree.a], year=2025) == (1, 0, 0, 0, 0, 0)  # the year is the current cycle's
    clock.advance(minutes=5)
    services.record_lesson_done(official, lessons_of(course)[0])
    assert numbers([tree.a], year=2026) == (1, 1, 0, 1, 0, 0)


def test_completions_count_in_the_local_month(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    clock.now = datetime.datetime(2025, 3, 31, 18, 30, tzinfo=datetime.UTC)  # 1 April, 01:30 in Vietnam
    finish(official, course)
    assert aggregation.completions_by_month([tree.province]) == [(datetime.date(2025, 4, 1), 1)]


def test_a_leaver_leaves_the_figures_and_comes_back(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    official.is_active = False
    official.save()
    assert numbers([tree.province]) == (0, 0, 0, 0, 0, 0)
    official.is_active = True
    official.save()
    assert numbers([tree.province]) == (1, 1, 0, 0, 1, 0)


def test_a_change_of_group_moves_headcount_and_enrolments(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    official.position_group = groups.leaders
    official.save()
    assert numbers([tree.province], group=groups.staff.pk) == (0, 0, 0, 0, 0, 0)
    assert numbers([tree.province], group=groups.leaders.pk) == (1, 1, 0, 0, 1, 0)


def test_records_stay_with_the_unit_they_were_made_in(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    structure.move_official(official, tree.department, datetime.date(2025, 3, 16))
    assert numbers([tree.a]) == (0, 1, 0, 0, 1, 0)
    assert numbers([tree.department]) == (1, 0, 0, 0, 0, 0)


def test_a_merger_rolls_the_records_into_the_successor(clock, tree, groups, course):
    official = placed_official(tree.b, position_group=groups.staff)
    services.enrol(official, course)
    structure.close_unit(tree.district, datetime.date(2025, 6, 30), tree.department)
    assert numbers([tree.department]) == (1, 1, 0, 0, 1, 0)
    assert numbers([tree.province]) == (1, 1, 0, 0, 1, 0)
    assert aggregation.by_child_unit(tree.province)[0].key == tree.department.pk  # the district is gone
    assert [row.key for row in aggregation.by_child_unit(tree.province)] == [tree.department.pk]
    assert_matches_brute_force()


def test_moving_a_unit_moves_its_figures(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    structure.move_unit(tree.a, tree.department)
    assert numbers([tree.department])[:2] == (1, 1)
    assert numbers([tree.district])[:2] == (0, 0)
    assert_matches_brute_force()


def test_the_kind_filter_follows_an_edited_kind(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    assert numbers([tree.province], kind="commune")[:2] == (1, 1)
    structure.update_unit(tree.a, kind="other")
    assert numbers([tree.province], kind="commune")[:2] == (0, 0)
    assert numbers([tree.province], kind="other")[:2] == (1, 1)


def test_a_deleted_course_page_keeps_its_records_as_course_zero(clock, tree, groups, course, other_course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    services.enrol(official, other_course)
    course.delete()
    rows = aggregation.by_course([tree.province])
    assert [(row.key, row.numbers.enrolled) for row in rows] == [(other_course.pk, 1), (0, 1)]
    assert str(rows[1].label) in {"Deleted course", "Khóa học đã xóa"}
    assert rebuild.check() == []


def test_a_due_date_can_change(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    enrollment = services.enrol(official, course, due_date=datetime.date(2025, 4, 1))
    services.change_due_date(enrollment, datetime.date(2025, 3, 1))
    assert aggregation.summary([tree.a]).overdue == 1
    services.change_due_date(enrollment, None)
    assert aggregation.summary([tree.a]).overdue == 0
    assert rebuild.check() == []


def test_a_deleted_enrolment_leaves_the_figures(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course).delete()
    assert numbers([tree.province]) == (1, 0, 0, 0, 0, 0)
    assert rebuild.check() == []


def test_another_lesson_done_costs_no_report_query(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    services.record_lesson_done(official, lessons_of(course)[0])  # the first activity: counted
    with CaptureQueriesContext(connection) as queries:
        services.record_lesson_done(official, lessons_of(course)[0])  # the same lesson again
    assert not [q["sql"] for q in queries if "reports_" in q["sql"]]


def test_overlapping_units_are_counted_once(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    assert numbers([tree.province, tree.district, tree.a]) == numbers([tree.province])
    assert aggregation.report_roots([tree.a, tree.province, tree.department]) == [tree.province]


def test_past_due_dates_fold_together_and_sums_stay_right(clock, tree, groups, course, other_course):
    first, second = (placed_official(tree.a, position_group=groups.staff) for _ in range(2))
    services.enrol(first, course, due_date=datetime.date(2025, 3, 1))
    services.enrol(second, course, due_date=datetime.date(2025, 3, 2))
    services.enrol(second, other_course, due_date=datetime.date(2025, 4, 30))
    maintenance.compact_due_dates()
    assert set(DueTally.objects.filter(unit_id=tree.a.pk).values_list("due_date", flat=True)) == {
        maintenance.PAST,
        datetime.date(2025, 4, 30),
    }
    assert aggregation.summary([tree.province]).overdue == 2
    finish(first, course)  # subtracts from its own date's row, folded away: the sum holds
    assert aggregation.summary([tree.province]).overdue == 1
    assert rebuild.check() == []
