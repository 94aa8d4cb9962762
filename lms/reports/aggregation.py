"""The one aggregation service behind the HR dashboard, lists, exports and API.

Callers pass the units whose subtrees to report — from ``roots_for_user`` or a unit the user has
drilled down to inside them (``is_within``) — and never get a number from outside those subtrees.
Every answer reads tally rows only, in a fixed number of queries whatever the number of units,
rows or enrolments behind it (see the package docstring for what the numbers mean).

A breakdown is a dimension over the same tally rows: ``DIMENSIONS`` maps each to its column. A
further one (a training plan) is a column added to the enrolment tallies and an entry here.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from lms.people.models import OrgUnit, PositionGroup
from lms.people.scopes import scope_for

from .cube import DIMENSIONS, Cube, Dimension, Filters, Numbers
from .models import CompletionTally

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Callers need this one module: the reading types are re-exported from ``cube``.
__all__ = [
    "DIMENSIONS",
    "Cube",
    "Dimension",
    "Filters",
    "Numbers",
    "Overview",
    "Row",
    "breakdown",
    "by_child_unit",
    "by_course",
    "by_group",
    "by_kind",
    "children",
    "completions_by_month",
    "is_within",
    "overview",
    "report_roots",
    "roots_for_user",
    "summary",
]


@dataclass
class Row:
    """One line of a breakdown: the dimension's value, what to show for it, and its numbers."""

    key: object
    label: object
    numbers: Numbers = field(default_factory=Numbers)


@dataclass
class Overview:
    """What a dashboard shows for some subtrees: the total, the units one level down (or the
    subtrees themselves, for several), position groups, courses, and completions by month."""

    summary: Numbers
    by_unit: list[Row]
    by_group: list[Row]
    by_course: list[Row]
    by_month: list[tuple[datetime.date, int]]


# Which units ---------------------------------------------------------------------------------


def report_roots(units: Iterable[OrgUnit]) -> list[OrgUnit]:
    """The open units among ``units``, without those inside another one (their rows are already in
    it): subtrees that add up without counting anything twice. Closed units have no rows of their
    own; their records are in their successors'."""
    roots: list[OrgUnit] = []
    for unit in sorted((u for u in units if not u.is_closed), key=lambda u: u.path):
        if not roots or not unit.path.startswith(roots[-1].path):
            roots.append(unit)
    return roots


def roots_for_user(user: "User | AnonymousUser | None") -> list[OrgUnit]:
    """The subtrees ``user`` may read reports on: everything for an administrator, their HR scopes'
    units otherwise (the closed units merged into them count in them)."""
    scope = scope_for(user)
    if scope.everything:
        return report_roots(OrgUnit.objects.open().filter(depth=1))
    if not scope.read_paths:
        return []
    return report_roots(OrgUnit.objects.filter(path__in=scope.read_paths))


def is_within(unit: OrgUnit, roots: Iterable[OrgUnit]) -> bool:
    """Whether ``unit`` lies in one of the subtrees ``roots`` (a drill-down must stay inside)."""
    return any(unit.path.startswith(root.path) for root in roots)


def children(unit: OrgUnit) -> list[OrgUnit]:
    """The open sub-units one level below ``unit``, in tree order (one query)."""
    return list(OrgUnit.objects.subtree(unit).open().filter(depth=unit.depth + 1).order_by("path"))


# Counting ------------------------------------------------------------------------------------


def _ids(units: Iterable[OrgUnit]) -> list[int]:
    return [unit.pk for unit in units]


def _root_ids(units: Iterable[OrgUnit]) -> list[int]:
    return _ids(report_roots(units))


def summary(units: Iterable[OrgUnit], filters: Filters | None = None, today: datetime.date | None = None) -> Numbers:
    """Headcount, enrolled, completed, in progress, not started, overdue and completion rate of the
    subtrees of ``units`` together."""
    return Cube(_root_ids(units), filters, (), today).split()[()]


def breakdown(
    units: Iterable[OrgUnit], by: str, filters: Filters | None = None, today: datetime.date | None = None
) -> list[Row]:
    """The numbers of the subtrees of ``units`` split by the dimension ``by`` (a ``DIMENSIONS``
    name), as labelled ``Row``s. By "unit", the rows are ``units`` themselves (each a subtree; see
    ``by_child_unit``)."""
    roots = report_roots(units)
    counted = {key[0]: n for key, n in Cube(_ids(roots), filters, (DIMENSIONS[by],), today).split(by).items()}
    if by == "unit":
        return [Row(unit.pk, unit, counted.get(unit.pk, Numbers())) for unit in roots]
    return LABELLERS[by](counted)


def overview(
    units: Iterable[OrgUnit], filters: Filters | None = None, today: datetime.date | None = None
) -> Overview:
    """The whole dashboard of the subtrees of ``units`` in ten queries: the group × course split is
    read once and summed three ways."""
    roots = report_roots(units)
    rows = children(roots[0]) if len(roots) == 1 else roots
    cube = Cube(_ids(roots), filters, (DIMENSIONS["group"], DIMENSIONS["course"]), today)
    units_split = Cube(_ids(rows), filters, (DIMENSIONS["unit"],), today).split("unit")
    return Overview(
        summary=cube.split()[()],
        by_unit=[Row(unit.pk, unit, units_split.get((unit.pk,), Numbers())) for unit in rows],
        by_group=_groups({key[0]: n for key, n in cube.split("group").items()}),
        by_course=_courses({key[0]: n for key, n in cube.split("course").items()}),
        by_month=completions_by_month(roots, filters),
    )


def by_child_unit(unit: OrgUnit, filters: Filters | None = None, today: datetime.date | None = None) -> list[Row]:
    """One row per open sub-unit one level below ``unit``: the drill-down. Four queries."""
    return breakdown(children(unit), "unit", filters, today)


def by_group(units: Iterable[OrgUnit], filters: Filters | None = None, today: datetime.date | None = None) -> list[Row]:
    return breakdown(units, "group", filters, today)


def by_course(units: Iterable[OrgUnit], filters: Filters | None = None, today: datetime.date | None = None) -> list[Row]:
    return breakdown(units, "course", filters, today)


def by_kind(units: Iterable[OrgUnit], filters: Filters | None = None, today: datetime.date | None = None) -> list[Row]:
    return breakdown(units, "kind", filters, today)


def completions_by_month(
    units: Iterable[OrgUnit], filters: Filters | None = None
) -> list[tuple[datetime.date, int]]:
    """``[(first day of the month, completions)]`` in time order, months without any left out."""
    filters = filters or Filters()
    rows = (
        CompletionTally.objects.filter(Q(unit_id__in=_root_ids(units)) & filters.conditions())
        .values("month")
        .annotate(n=Sum("completed"))
        .order_by("month")
    )
    return [(datetime.date(row["month"] // 100, row["month"] % 100, 1), row["n"]) for row in rows if row["n"]]


# Labels: one query at most, whatever the number of rows ---------------------------------------


def _groups(counted: dict[Any, Numbers]) -> list[Row]:
    return [Row(g.pk, g, counted.get(g.pk, Numbers())) for g in PositionGroup.objects.order_by("sort_order", "name")]


def _courses(counted: dict[Any, Numbers]) -> list[Row]:
    from content.models import CoursePage

    titles = dict(CoursePage.objects.filter(pk__in=list(counted)).values_list("pk", "title"))
    rows = [Row(pk, titles.get(pk) or _("Deleted course"), numbers) for pk, numbers in counted.items()]
    return sorted(rows, key=lambda row: (row.key == 0, str(row.label).lower()))


def _kinds(counted: dict[Any, Numbers]) -> list[Row]:
    order = list(OrgUnit.Kind.values)
    rows = [Row(kind, OrgUnit.Kind(kind).label if kind in order else kind, n) for kind, n in counted.items()]
    return sorted(rows, key=lambda row: order.index(row.key) if row.key in order else len(order))


def _years(counted: dict[Any, Numbers]) -> list[Row]:
    return [Row(year, year, counted[year]) for year in sorted(counted)]


LABELLERS = {"group": _groups, "course": _courses, "kind": _kinds, "year": _years}
