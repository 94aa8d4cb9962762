"""Plan progress: the figures a province reports upward ("% lãnh đạo cấp xã đã hoàn thành"), read
from ``PlanTally`` only, in a fixed number of queries whatever the number of officials.

What the figures mean (per requirement, or summed over a plan's requirements, where an official
with two requirements counts twice: they are obligations, not people):

* **targeted**: open obligations (officials in the requirement's target today);
* **completed** / **in progress**: of those, the enrolments completed in their current cycle /
  with activity since it started; **not started** = targeted - completed - in progress;
* **overdue**: not completed with a due date (after extensions) before ``today``
  (Asia/Ho_Chi_Minh, ``lms.core.dates.today``, or the ``today`` passed in);
* **completion rate**: completed / targeted (None without anyone targeted);
* **hours**: the course's ``hours`` (số tiết) times the completed obligations.

Who sees what: the plans of ``visibility.visible_plans`` (the same as the plan pages'); whatever
the plan, the figures are only those of the officials in the viewer's scope (an ``Area``); a plan
outside it does not exist for them (a 404).

``area_for(user, raw_unit)`` → ``Area`` (``NotWithin``
for a unit outside the scope).
``progress(plan, area, requirement_id=None, today=None)`` → ``Progress``: the summary, the table by
requirement, the drill-down by unit, by position group, job position and leadership title
(``UnknownRequirement`` for a requirement of another plan).
``plan_requirements(plan)``, ``find_requirement(requirements, raw)``; ``figures(requirements, area,
chosen=None, today=None)`` → ``Figures`` of the whole area.
``obligations(plan, area, chosen=None, status=None, today=None)`` → the people behind the figures
(one line per open obligation); ``people_page(plan, area, requirements, number, chosen, status,
today)`` → one page of them, counted from the tallies.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page
from django.db import connection
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import npgettext, pgettext_lazy

from lms.core.dates import today as local_today
from lms.core.paging import page_of
from lms.people.models import JobPosition, LeadershipTitle, OrgUnit, PositionGroup
from lms.people.scopes import scope_for

from .models import Obligation, PlanTally, Requirement, TrainingPlan

if TYPE_CHECKING:
    from lms.people.scopes import AnyUser

STEPLEN: int = OrgUnit.steplen
TALLIES = PlanTally._meta.db_table
UNITS = OrgUnit._meta.db_table
PER_PAGE = 50
STATUSES = ("completed", "in_progress", "not_started", "overdue")
NONE_LABEL = pgettext_lazy("plan progress", "None")
STATUS_LABELS = {
    "completed": pgettext_lazy("plan progress", "Completed"),
    "in_progress": pgettext_lazy("plan progress", "In progress"),
    "not_started": pgettext_lazy("plan progress", "Not started"),
    "overdue": pgettext_lazy("plan progress", "Overdue"),
}


class NotWithin(LookupError):
    """No such unit within the viewer's scope (the same answer for one that does not exist)."""


class UnknownRequirement(LookupError):
    """No such requirement in this plan."""


# Figures ---------------------------------------------------------------------------------------


@dataclass
class Figures:
    targeted: int = 0
    completed: int = 0
    in_progress: int = 0
    overdue: int = 0
    hours: int = 0

    @property
    def not_started(self) -> int:
        return self.targeted - self.completed - self.in_progress

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.targeted if self.targeted else None

    @property
    def percent(self) -> float | None:
        """The completion rate in percent, rounded to one decimal (None without anyone targeted)."""
        rate = self.completion_rate
        return None if rate is None else round(rate * 100, 1)

    def add(self, values: Sequence[int], hours: int) -> None:
        """Add a tally's (targeted, completed, in progress, overdue) of a course of ``hours``."""
        targeted, completed, in_progress, overdue = values
        self.targeted += targeted
        self.completed += completed
        self.in_progress += in_progress
        self.overdue += overdue
        self.hours += hours * completed

    def merge(self, other: "Figures") -> None:
        self.targeted += other.targeted
        self.completed += other.completed
        self.in_progress += other.in_progress
        self.overdue += other.overdue
        self.hours += other.hours


@dataclass
class Row:
    """One line of a breakdown: the value (a requirement, unit, group, position or title id), what
    to show for it, and its figures. ``own``: the officials of the unit itself, not of a sub-unit."""

    key: Any
    label: Any
    figures: Figures = field(default_factory=Figures)
    own: bool = False

    @property
    def unit(self) -> OrgUnit | None:
        return self.label if isinstance(self.label, OrgUnit) else None


@dataclass
class Progress:
    plan: TrainingPlan
    area: "Area"
    requirement: Requirement | None  # the one the figures are narrowed to, or None for all
    today: datetime.date
    requirements: list[Requirement]
    summary: Figures
    by_requirement: list[Row]
    by_unit: list[Row]
    by_group: list[Row]
    by_position: list[Row]
    by_title: list[Row]


# Which plans and which officials ----------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The officials whose figures a viewer reads: the subtree of ``unit``, or without one their
    whole scope (``paths``; None: everything), shown from ``roots`` (their top units)."""

    roots: tuple[OrgUnit, ...]
    unit: OrgUnit | None = None
    paths: tuple[str, ...] | None = None
    crumbs: tuple[OrgUnit, ...] = ()  # from the root down to the unit's parent

    @property
    def level(self) -> OrgUnit | None:
        """The unit whose sub-units the drill-down lists (None: one row per root)."""
        return self.unit or (self.roots[0] if len(self.roots) == 1 else None)

    @property
    def shown(self) -> tuple[OrgUnit, ...]:
        """The units whose subtrees the figures cover."""
        return (self.unit,) if self.unit else self.roots

    def units_q(self, prefix: str = "") -> Q:
        if self.unit is not None:
            return Q(**{f"{prefix}path__startswith": self.unit.path})
        if self.paths is None:
            return Q()
        if not self.paths:
            return Q(**{f"{prefix}pk__in": []})
        return reduce(or_, (Q(**{f"{prefix}path__startswith": path}) for path in self.paths))

    def sql(self) -> tuple[str, list[str]]:
        """The condition on ``u`` (the tally row's unit) as SQL: treebeard's paths are [0-9A-Z],
        so a path followed by ``%`` is a plain prefix pattern."""
        if self.unit is not None:
            return "u.path LIKE %s", [self.unit.path + "%"]
        if self.paths is None:
            return "1 = 1", []
        if not self.paths:
            return "1 = 0", []
        return "(" + " OR ".join(["u.path LIKE %s"] * len(self.paths)) + ")", [p + "%" for p in self.paths]


def _roots(units: Iterable[OrgUnit]) -> tuple[OrgUnit, ...]:
    roots: list[OrgUnit] = []
    for unit in sorted((u for u in units if not u.is_closed), key=lambda u: u.path):
        if not roots or not unit.path.startswith(roots[-1].path):
            roots.append(unit)
    return tuple(roots)


def area_for(user: "AnyUser", raw_unit: object = None) -> Area:
    """The viewer's area: their scope, or the unit of ``raw_unit`` (an id, as text or a number)
    inside it, open or closed (a closed unit whose officials were not moved still has figures).
    ``NotWithin`` for a unit that does not exist or lies outside, alike."""
    scope = scope_for(user)
    if scope.everything:
        roots, paths = _roots(OrgUnit.objects.open().filter(depth=1)), None
    else:
        paths = scope.read_paths
        roots = _roots(OrgUnit.objects.filter(path__in=paths)) if paths else ()
    if raw_unit in (None, ""):
        return Area(roots, None, paths)
    try:
        unit = OrgUnit.objects.filter(pk=int(str(raw_unit))).first()
    except (TypeError, ValueError, OverflowError):
        unit = None
    if unit is None or not (paths is None or any(unit.path.startswith(path) for path in paths)):
        raise NotWithin
    top = next((root for root in roots if unit.path.startswith(root.path)), None)
    # From the root down; none for a unit under no root (a closed one merged in from elsewhere):
    # the units above it are not the viewer's.
    crumb_paths = [unit.path[: d * STEPLEN] for d in range(top.depth, unit.depth)] if top is not None else []
    crumbs = tuple(OrgUnit.objects.filter(path__in=crumb_paths).order_by("path")) if crumb_paths else ()
    return Area(roots, unit, paths, crumbs)


def due_text(requirement: Requirement) -> str:
    """When the requirement is due, in words: its date, or so many days after an event."""
    if requirement.due_rule == Requirement.DueRule.FIXED and requirement.due_date is not None:
        return date_format(requirement.due_date, "SHORT_DATE_FORMAT")
    days = int(requirement.due_days or 0)
    if requirement.due_rule == Requirement.DueRule.AFTER_JOINING:
        text = npgettext(
            "plan progress", "%(days)s day after joining the unit", "%(days)s days after joining the unit", days
        )
    elif requirement.due_rule == Requirement.DueRule.AFTER_POSITION:
        text = npgettext(
            "plan progress", "%(days)s day after taking the position", "%(days)s days after taking the position", days
        )
    else:
        text = npgettext(
            "plan progress", "%(days)s day after being assigned", "%(days)s days after being assigned", days
        )
    return text % {"days": days}


# Reading the tallies ------------------------------------------------------------------------------


def plan_requirements(plan: TrainingPlan) -> list[Requirement]:
    """The plan's requirements in order, each with ``hours``: its course's (0 once deleted), and
    ``due_text`` (``due_text``, in the active language)."""
    requirements: list[Requirement] = list(
        plan.requirements.annotate(hours=Coalesce(F("course__hours"), Value(0), output_field=IntegerField())).order_by(
            "pk"
        )
    )
    for requirement in requirements:
        requirement.due_text = due_text(requirement)  # type: ignore[attr-defined]
    return requirements


def find_requirement(requirements: list[Requirement], requirement_id: object) -> Requirement | None:
    """The requirement of ``requirement_id`` (text or a number) among ``requirements``; None when
    none is asked for; ``UnknownRequirement`` otherwise."""
    if requirement_id in (None, ""):
        return None
    try:
        wanted = int(str(requirement_id))
    except (TypeError, ValueError, OverflowError):
        raise UnknownRequirement from None
    for requirement in requirements:
        if requirement.pk == wanted:
            return requirement
    raise UnknownRequirement


VALUES_SQL = (
    "SUM(t.targeted), SUM(t.completed), SUM(t.in_progress),"
    " SUM(CASE WHEN t.due_date < %s THEN t.targeted - t.completed ELSE 0 END)"
)


def _read(keys: list[str], key_params: list, ids: list[int], area: Area, today: datetime.date) -> list[tuple]:
    """``keys…, requirement_id, targeted, completed, in progress, overdue`` of the tally rows of the
    requirements ``ids`` in ``area``, grouped by the SQL expressions ``keys`` (on ``t``, the tally
    row, and ``u``, its unit; their parameters ``key_params``) and the requirement."""
    if not ids:
        return []
    where, where_params = area.sql()
    positions = ", ".join(str(n) for n in range(1, len(keys) + 2))  # the keys, then the requirement
    sql = (
        f"SELECT {', '.join(keys)}, t.requirement_id, {VALUES_SQL} FROM {TALLIES} t JOIN {UNITS} u ON u.id = t.unit_id"
        f" WHERE t.requirement_id IN ({', '.join(['%s'] * len(ids))}) AND {where} GROUP BY {positions}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key_params, today, *ids, *where_params])
        return [tuple(row) for row in cursor.fetchall()]


def _unit_key(area: Area) -> tuple[str, list]:
    """The SQL of the drill-down's row for a tally row: the level's child whose subtree holds it
    (or the level itself for its own officials), else the root holding it; a row outside all of
    them (a closed unit merged into the scope, its officials not moved) is its own unit."""
    level = area.level
    if level is not None:
        return "CASE WHEN u.path LIKE %s THEN substr(u.path, 1, %s) ELSE u.path END", [
            level.path + "%",
            len(level.path) + STEPLEN,
        ]
    if not area.roots:
        return "u.path", []
    cases = " ".join(["WHEN u.path LIKE %s THEN %s"] * len(area.roots))
    return f"CASE {cases} ELSE u.path END", [value for root in area.roots for value in (root.path + "%", root.path)]


def _split(rows: list[tuple], hours: dict[int, int], width: int) -> dict[tuple, Figures]:
    """Sum ``rows`` (keys of ``width`` values, then the requirement and four values) by their keys."""
    out: dict[tuple, Figures] = {}
    for row in rows:
        key, requirement_id, values = row[:width], row[width], [int(v or 0) for v in row[width + 1 :]]
        out.setdefault(key, Figures()).add(values, hours.get(requirement_id, 0))
    return out


def _labelled(counted: dict[Any, Figures], model: Any) -> list[Row]:
    named = {obj.pk: obj for obj in model.objects.filter(pk__in=[k for k in counted if k])}
    rows = [Row(key, named.get(key) or NONE_LABEL, figures) for key, figures in counted.items() if figures.targeted]
    order = {pk: index for index, pk in enumerate(sorted(named, key=lambda pk: (named[pk].sort_order, named[pk].name)))}
    return sorted(rows, key=lambda row: (row.key == 0, order.get(row.key, len(order))))


def _by_unit(area: Area, counted: dict[str, Figures]) -> list[Row]:
    counted = {path: figures for path, figures in counted.items() if figures.targeted}
    units = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=list(counted))} if counted else {}
    level = area.level
    rows = []
    for path in sorted(counted):
        own = level is not None and path == level.path
        rows.append(Row(path, units.get(path, NONE_LABEL), counted[path], own=own))
    return sorted(rows, key=lambda row: (not row.own, row.key))


def progress(
    plan: TrainingPlan, area: Area, requirement_id: object = None, today: datetime.date | None = None
) -> Progress:
    """Every figure of the plan's page in ``area``, narrowed to one requirement when asked (the
    table by requirement always lists them all). Seven queries at most."""
    today = today or local_today()
    requirements = plan_requirements(plan)
    selected = find_requirement(requirements, requirement_id)
    hours = {r.pk: r.hours for r in requirements}  # type: ignore[attr-defined]  # annotated
    ids = [r.pk for r in requirements]
    rows = _read(["t.position_group_id", "t.job_position_id", "t.title_id"], [], ids, area, today)
    per_requirement: dict[int, Figures] = {}
    groups: dict[Any, Figures] = {}
    positions: dict[Any, Figures] = {}
    titles: dict[Any, Figures] = {}
    summary = Figures()
    for group_id, position_id, title_id, requirement_id_, *values in rows:
        numbers = [int(v or 0) for v in values]
        course_hours = hours.get(requirement_id_, 0)
        per_requirement.setdefault(requirement_id_, Figures()).add(numbers, course_hours)
        if selected is not None and requirement_id_ != selected.pk:
            continue
        summary.add(numbers, course_hours)
        for split, key in ((groups, group_id), (positions, position_id), (titles, title_id)):
            split.setdefault(key, Figures()).add(numbers, course_hours)
    key_sql, key_params = _unit_key(area)
    unit_rows = _read([key_sql], key_params, [selected.pk] if selected else ids, area, today)
    by_unit = {key[0]: figures for key, figures in _split(unit_rows, hours, 1).items()}
    return Progress(
        plan=plan,
        area=area,
        requirement=selected,
        today=today,
        requirements=requirements,
        summary=summary,
        by_requirement=[Row(r.pk, r, per_requirement.get(r.pk, Figures())) for r in requirements],
        by_unit=_by_unit(area, by_unit),
        by_group=_labelled(groups, PositionGroup),
        by_position=_labelled(positions, JobPosition),
        by_title=_labelled(titles, LeadershipTitle),
    )


def figures(
    requirements: list[Requirement],
    area: Area,
    chosen: Requirement | None = None,
    today: datetime.date | None = None,
) -> Figures:
    """The figures of the whole area, of ``chosen`` or of all ``requirements`` (``plan_requirements``):
    one query."""
    today = today or local_today()
    hours = {r.pk: r.hours for r in requirements}  # type: ignore[attr-defined]  # annotated
    ids = [chosen.pk] if chosen is not None else list(hours)
    total = Figures()
    for part in _split(_read(["t.requirement_id"], [], ids, area, today), hours, 1).values():
        total.merge(part)
    return total


# The people behind the figures ------------------------------------------------------------------


def _status_q(status: str, today: datetime.date) -> Q:
    open_ = Q(enrollment__completed_at__isnull=True)
    active = Q(enrollment__last_activity_at__isnull=False) & (
        Q(enrollment__cycle_started_at__isnull=True)
        | Q(enrollment__last_activity_at__gt=F("enrollment__cycle_started_at"))
    )
    idle = Q(enrollment__last_activity_at__isnull=True) | (
        Q(enrollment__cycle_started_at__isnull=False)
        & Q(enrollment__last_activity_at__lte=F("enrollment__cycle_started_at"))
    )
    return {
        "completed": Q(enrollment__completed_at__isnull=False),
        "in_progress": open_ & active,
        "not_started": open_ & idle,
        "overdue": open_ & Q(due_date__lt=today),
    }[status]


def status_of(obligation: Obligation) -> str:
    """``completed``, ``in_progress`` or ``not_started``, as the tallies count it."""
    enrollment = obligation.enrollment
    if enrollment.completed_at is not None:
        return "completed"
    if enrollment.last_activity_at is not None and (
        enrollment.cycle_started_at is None or enrollment.last_activity_at > enrollment.cycle_started_at
    ):
        return "in_progress"
    return "not_started"


def obligations(
    plan: TrainingPlan,
    area: Area,
    chosen: Requirement | None = None,
    status: str | None = None,
    today: datetime.date | None = None,
) -> "QuerySet[Any]":
    """The open obligations of the plan behind the figures of ``area`` (counted in the unit the
    tallies count them in), in the order of the list: unit in tree order, name. Each carries
    ``unit_name``, ``unit_path`` and ``course_hours`` (0 once the course is deleted)."""
    today = today or local_today()
    units = OrgUnit.objects.filter(area.units_q()).order_by().values("pk")
    rows = Obligation.objects.current().filter(plan=plan)
    if area.unit is not None or area.paths is not None:
        rows = rows.filter(unit_id_counted__in=units)
    if chosen is not None:
        rows = rows.filter(requirement=chosen)
    if status is not None:
        rows = rows.filter(_status_q(status, today))
    unit = OrgUnit.objects.filter(pk=OuterRef("unit_id_counted"))
    return (
        rows.select_related("official", "enrollment", "requirement")
        .annotate(
            unit_name=Subquery(unit.values("name")[:1]),
            unit_path=Subquery(unit.values("path")[:1]),
            course_hours=Coalesce(F("requirement__course__hours"), Value(0), output_field=IntegerField()),
        )
        .order_by("unit_path", "official__full_name", "official_id", "requirement_id")
    )


def with_status(obligation: Obligation, today: datetime.date) -> Obligation:
    """Set ``status`` (and its ``status_label``), ``late`` (overdue) and ``hours`` (the course's when completed, else 0) on a
    row of ``obligations``."""
    obligation.status = status_of(obligation)  # type: ignore[attr-defined]
    obligation.status_label = STATUS_LABELS[obligation.status]  # type: ignore[attr-defined]
    obligation.late = obligation.status != "completed" and obligation.due_date < today  # type: ignore[attr-defined]
    hours = obligation.course_hours if obligation.status == "completed" else 0  # type: ignore[attr-defined]
    obligation.hours = hours  # type: ignore[attr-defined]
    return obligation


def people_page(
    plan: TrainingPlan,
    area: Area,
    requirements: list[Requirement],
    number: object,
    chosen: Requirement | None = None,
    status: str | None = None,
    today: datetime.date | None = None,
) -> Page:
    """One page of ``PER_PAGE`` lines of ``obligations``; the paginator takes its count from the
    tallies (one grouped query over a few rows) rather than a ``COUNT(*)`` over the obligations."""
    today = today or local_today()
    total = figures(requirements, area, chosen, today)
    count = total.targeted if status is None else getattr(total, status)
    page = page_of(obligations(plan, area, chosen, status, today), number, PER_PAGE, count=count)
    for obligation in page.object_list:
        with_status(obligation, today)
    return page
