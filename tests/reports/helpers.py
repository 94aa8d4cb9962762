"""Shared helpers of the report tests: a clock, and holding every number of the service against
brute force."""

import datetime

from lms.people.models import OrgUnit
from lms.reports import aggregation, rebuild, records
from lms.reports.aggregation import Filters

from . import brute_force

NUMBER_FIELDS = brute_force.FIELDS


def as_dict(numbers):
    return {name: getattr(numbers, name) for name in NUMBER_FIELDS}


def filter_combinations(world):
    """A few filter sets drawn from what the data holds: none, each dimension alone, two together."""
    yield {}
    years = sorted({r["year"] for r in world.records(_today())})
    courses = sorted({e.course_id or 0 for e in world.enrollments})
    for year in years[:2]:
        yield {"year": year}
    for course in courses[:2]:
        yield {"course": course}
    for group in world.groups[:2]:
        yield {"group": group.pk}
    yield {"kind": OrgUnit.Kind.COMMUNE}
    if years and world.groups:
        yield {"year": years[-1], "group": world.groups[-1].pk}


def _today():
    from lms.core.dates import today

    return today()


def assert_matches_brute_force(roots_sets=None):
    """Every number the service gives, for every open unit (and the given sets of roots), with
    every filter combination, equals a brute-force count; and the stored tallies show no drift."""
    today = _today()
    world = brute_force.World()
    open_units = sorted((u for u in world.units.values() if u.valid_to is None), key=lambda u: u.path)
    sets = [[unit] for unit in open_units] + list(roots_sets or [])
    for filters in filter_combinations(world):
        service_filters = Filters(**filters)
        for roots in sets:
            where = f"roots={[u.name for u in roots]} filters={filters}"
            expected = brute_force.numbers(world, roots, filters, today)
            assert as_dict(aggregation.summary(roots, service_filters, today=today)) == expected, where
            for by in ("group", "course", "kind", "year"):
                rows = aggregation.breakdown(roots, by, service_filters, today=today)
                got = {row.key: as_dict(row.numbers) for row in rows}
                assert got == brute_force.split(world, roots, filters, today, by), f"{where} by={by}"
            got_months = aggregation.completions_by_month(roots, service_filters)
            assert got_months == brute_force.months(world, roots, filters, today), where
            # The lists behind the numbers have as many lines as the numbers say.
            listed = records.counted_enrollments(aggregation.report_roots(roots), service_filters)
            assert listed.count() == expected["enrolled"], where
            not_started = expected["enrolled"] - expected["completed"] - expected["in_progress"]
            for name, condition in records.statuses(today).items():
                want = not_started if name == "not_started" else expected[name]
                assert listed.filter(condition).count() == want, f"{where} {name}"
        for unit in open_units:
            children = [u for u in open_units if u.depth == unit.depth + 1 and u.path.startswith(unit.path)]
            overview = aggregation.overview([unit], service_filters, today=today)
            for rows in (aggregation.by_child_unit(unit, service_filters, today=today), overview.by_unit):
                assert [row.key for row in rows] == [c.pk for c in children]
                for row, child in zip(rows, children, strict=True):
                    assert as_dict(row.numbers) == brute_force.numbers(world, [child], filters, today), (
                        f"child {child.name} of {unit.name} filters={filters}"
                    )
            # The dashboard in one go says what the separate calls say.
            assert overview.summary == aggregation.summary([unit], service_filters, today=today)
            assert overview.by_group == aggregation.by_group([unit], service_filters, today=today)
            assert overview.by_course == aggregation.by_course([unit], service_filters, today=today)
            assert overview.by_month == aggregation.completions_by_month([unit], service_filters)
    assert rebuild.check() == []


VIETNAM = datetime.timezone(datetime.timedelta(hours=7))


class Clock:
    """Stands in for ``django.utils.timezone.now`` (``mock.patch(..., new=clock)``)."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def today(self):
        return self.now.astimezone(VIETNAM).date()

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)
