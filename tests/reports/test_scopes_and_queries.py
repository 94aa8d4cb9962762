"""HR sees the numbers of their own subtrees only, and reading costs the same few queries however
many units, rows or enrolments lie behind the answer."""

import datetime

import pytest

from lms.learning import services
from lms.people import structure
from lms.reports import aggregation
from tests.factories import UserFactory, make_course, placed_official
from tests.support.people import hr_of


@pytest.fixture
def busy(clock, tree, groups, course):
    """Two officials enrolled in each commune."""
    for unit in (tree.a, tree.b):
        for _ in range(2):
            services.enrol(placed_official(unit, position_group=groups.staff), course)
    return tree


def test_hr_of_one_commune_gets_none_of_the_other(busy):
    roots = aggregation.roots_for_user(hr_of(busy.a, in_group=False))
    assert roots == [busy.a]
    assert aggregation.summary(roots).enrolled == 2
    assert [row.key for row in aggregation.breakdown(roots, "unit")] == [busy.a.pk]
    assert not aggregation.is_within(busy.b, roots)
    assert aggregation.is_within(busy.a, roots)


def test_a_dashboard_over_two_scopes_lists_them_side_by_side(busy):
    roots = aggregation.roots_for_user(hr_of(busy.a, busy.department, in_group=False))
    overview = aggregation.overview(roots)
    assert [row.key for row in overview.by_unit] == [busy.department.pk, busy.a.pk]
    assert [row.numbers.enrolled for row in overview.by_unit] == [0, 2]
    assert overview.summary.enrolled == 2


def test_an_administrator_reports_on_every_tree(busy):
    roots = aggregation.roots_for_user(UserFactory(is_superuser=True))
    assert roots == [busy.province]
    assert aggregation.summary(roots).enrolled == 4


def test_a_user_without_scope_has_nothing_to_report(busy):
    assert aggregation.roots_for_user(UserFactory()) == []
    assert aggregation.summary([]).enrolled == 0


def test_a_scope_over_the_successor_takes_in_the_merged_units(busy):
    hr = hr_of(busy.department, in_group=False)
    structure.merge_units([busy.district], busy.department, datetime.date(2025, 6, 30))
    assert aggregation.roots_for_user(hr) == [busy.department]
    assert aggregation.summary(aggregation.roots_for_user(hr)).enrolled == 4
    # A scope left on the closed district reports nothing of its own: its records are the successor's.
    assert aggregation.roots_for_user(hr_of(busy.district, in_group=False)) == []


def _queries_of(django_assert_num_queries, count, call):
    with django_assert_num_queries(count):
        call()


@pytest.mark.parametrize("communes, per_commune", [(2, 1), (12, 3)])
def test_query_counts_do_not_grow_with_units_or_enrolments(
    clock, tree, groups, course, catalogue, communes, per_commune, django_assert_num_queries
):
    other = make_course(catalogue, title="Hộ tịch", lessons=1)
    units = [tree.a, tree.b] + [
        structure.create_unit(tree.district, name=f"Xã {n}", kind="commune", code=f"X{n}") for n in range(communes - 2)
    ]
    for unit in units:
        for n in range(per_commune):
            official = placed_official(unit, position_group=[groups.staff, groups.leaders][n % 2])
            services.enrol(official, course, due_date=datetime.date(2025, 3, 1))
            services.enrol(official, other)
    roots = [tree.province]
    expected = {
        "summary": (3, lambda: aggregation.summary(roots)),
        "by group": (4, lambda: aggregation.by_group(roots)),
        "by course": (4, lambda: aggregation.by_course(roots)),
        "by kind": (3, lambda: aggregation.by_kind(roots)),
        "by year": (3, lambda: aggregation.breakdown(roots, "year")),
        "drill-down": (4, lambda: aggregation.by_child_unit(tree.district)),
        "by month": (1, lambda: aggregation.completions_by_month(roots)),
        "the whole dashboard": (10, lambda: aggregation.overview(roots)),
        "the dashboard of a district": (10, lambda: aggregation.overview([tree.district])),
    }
    for count, call in expected.values():
        _queries_of(django_assert_num_queries, count, call)
    assert len(aggregation.by_child_unit(tree.district)) == communes
