"""Reading the tallies: the dimensions they are split by, the filters over them, and ``Cube``, the
numbers of some subtrees split by a few dimensions at once, from which any coarser split (down to
the single total) is summed in Python, so a whole dashboard reads each tally once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Q, Sum

from lms.core import dates

from .models import DueTally, EnrollmentTally, HeadcountTally


@dataclass(frozen=True)
class Dimension:
    name: str
    column: str
    of_people: bool  # also a column of the headcount tally (people have a unit and a group, not a course)


DIMENSIONS = {
    d.name: d
    for d in (
        Dimension("unit", "unit_id", True),
        Dimension("kind", "kind", True),
        Dimension("group", "position_group_id", True),
        Dimension("course", "course_id", False),
        Dimension("year", "year", False),
    )
}


@dataclass(frozen=True)
class Filters:
    """Each filter is a value or a collection of values of the dimension of the same name; None: all."""

    year: int | Iterable[int] | None = None
    course: int | Iterable[int] | None = None  # course page id; 0: enrolments whose page was deleted
    group: int | Iterable[int] | None = None  # position group id
    kind: str | Iterable[str] | None = None  # OrgUnit.Kind of the unit a record counts in

    def conditions(self, people=False):
        """A Q over the tally columns; ``people``: only the dimensions the headcount tally has."""
        q = Q()
        for item in fields(self):
            value, dimension = getattr(self, item.name), DIMENSIONS[item.name]
            if value is None or (people and not dimension.of_people):
                continue
            if isinstance(value, str | int):
                q &= Q(**{dimension.column: value})
            else:
                q &= Q(**{f"{dimension.column}__in": list(value)})
        return q


@dataclass
class Numbers:
    headcount: int = 0
    enrolled: int = 0
    completed: int = 0
    in_progress: int = 0
    overdue: int = 0

    @property
    def not_started(self):
        return self.enrolled - self.completed - self.in_progress

    @property
    def completion_rate(self):
        """Completed / enrolled, between 0 and 1; None when nothing is enrolled."""
        return self.completed / self.enrolled if self.enrolled else None


class Cube:
    """The numbers of the subtrees ``unit_ids`` (disjoint) split by ``dimensions``: three queries,
    whatever the number of units, rows or enrolments behind them."""

    def __init__(self, unit_ids, filters=None, dimensions=(), today=None):
        filters = filters or Filters()
        today = today or dates.today()
        self.names = [d.name for d in dimensions]
        columns = [d.column for d in dimensions]
        condition = filters.conditions()
        self.records = defaultdict(lambda: [0, 0, 0, 0])  # enrolled, completed, in progress, overdue
        sums = {"enrolled": Sum("enrolled"), "completed": Sum("completed"), "in_progress": Sum("in_progress")}
        for key, row in _sums(EnrollmentTally, unit_ids, condition, columns, sums).items():
            self.records[key][:3] = row["enrolled"], row["completed"], row["in_progress"]
        overdue = condition & Q(due_date__lt=today)  # decided on the day asked
        for key, row in _sums(DueTally, unit_ids, overdue, columns, {"overdue": Sum("pending")}).items():
            self.records[key][3] = row["overdue"]
        # People have a unit, a kind and a group, not a course or a year.
        self.people_names = [d.name for d in dimensions if d.of_people]
        people_columns = [d.column for d in dimensions if d.of_people]
        people_condition = filters.conditions(people=True)
        self.people = {
            key: row["headcount"]
            for key, row in _sums(
                HeadcountTally, unit_ids, people_condition, people_columns, {"headcount": Sum("active")}
            ).items()
        }

    def split(self, *names: str) -> dict[tuple[Any, ...], Numbers]:
        """``{tuple of the values of names: Numbers}``; ``split()`` is ``{(): the total}``. Rows left
        at zero by the increments (their records all went) are not shown."""
        at = [self.names.index(name) for name in names]
        result: defaultdict[tuple[Any, ...], Numbers] = defaultdict(Numbers)
        for key, (enrolled, completed, in_progress, overdue) in self.records.items():
            numbers = result[tuple(key[i] for i in at)]
            numbers.enrolled += enrolled
            numbers.completed += completed
            numbers.in_progress += in_progress
            numbers.overdue += overdue
        of_people = all(name in self.people_names for name in names)
        if of_people:
            people_at = [self.people_names.index(name) for name in names]
            for key, headcount in self.people.items():
                result[tuple(key[i] for i in people_at)].headcount += headcount
        else:  # a course or a year has no headcount of its own: each row shows the subtrees'
            for numbers in result.values():
                numbers.headcount = sum(self.people.values())
        if not names:
            result[()]  # the total, even of nothing
        return {
            key: n for key, n in result.items() if not names or n.enrolled or n.overdue or (of_people and n.headcount)
        }


def _sums(model, unit_ids, condition, columns, sums):
    """``{tuple of the values of columns: {name: sum}}`` over the rows of ``unit_ids``: one query."""
    rows = model.objects.filter(Q(unit_id__in=unit_ids) & condition)
    if not columns:
        return {(): {name: total or 0 for name, total in rows.aggregate(**sums).items()}}
    return {
        tuple(row[c] for c in columns): {name: row[name] or 0 for name in sums}
        for row in rows.values(*columns).annotate(**sums).order_by()
    }
