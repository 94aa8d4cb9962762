"""Who a requirement targets and by when, as SQL the assignment runs set-based, and the same rule in
Python for single rows (a reopened obligation, the preview of one official).

``targeted(requirement, official_ids=None) -> QuerySet[Official]``
    The active officials in the requirement's unit subtrees (with the closed units merged into
    them), narrowed by position groups, job positions, titles and joining date, minus exclusions.
``target_sql(requirement, official_ids=None, id_range=None) -> (sql, params)``
    The same, selecting ``official_id, unit_id, user_id, group_id, position_id, title_id, joined_on,
    position_since`` (position and title 0 for none).
``due_sql(requirement, today, alias) -> (sql, params)``
    The due date of the rule for the row ``alias`` of ``target_sql``, assigned on ``today``.
``due_for(requirement, today, joined_on, position_since) -> date``
    The same in Python.

Relative due dates are never earlier than ``TRAINING_MIN_NOTICE_DAYS`` (at most N) after the
assignment: someone imported a year after joining is not overdue the day they are told.
"""

import datetime
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from lms.people.models import Official, Placement
from lms.people.scopes import with_merged_units

from .models import Exclusion, Requirement

# What ``target_sql`` selects when it selects nobody.
NOBODY = (
    "SELECT 0 AS official_id, 0 AS unit_id, 0 AS user_id, 0 AS group_id, 0 AS position_id, 0 AS title_id,"
    " NULL AS joined, NULL AS position_from WHERE 1 = 0"
)


def joined_on_expression() -> Coalesce:
    """The day the official joined their current unit: their open placement, else their start date."""
    current = Placement.objects.filter(official=OuterRef("pk"), ended_on__isnull=True).order_by("-started_on")
    return Coalesce(Subquery(current.values("started_on")[:1]), F("start_date"))


def target_paths(requirement: Requirement) -> tuple[str, ...]:
    return with_merged_units(requirement.units.values_list("path", flat=True))


def targeted(
    requirement: Requirement, official_ids: Iterable[int] | None = None, paths: tuple[str, ...] | None = None
) -> QuerySet[Official]:
    paths = target_paths(requirement) if paths is None else paths
    if not paths:
        return Official.objects.none()
    officials = Official.objects.filter(is_active=True).filter(
        reduce(or_, (Q(unit__path__startswith=path) for path in paths))
    )
    if official_ids is not None:
        officials = officials.filter(pk__in=list(official_ids))
    groups = [g.pk for g in requirement.position_groups.all()]
    if groups:
        officials = officials.filter(position_group_id__in=groups)
    positions = [p.pk for p in requirement.job_positions.all()]
    if positions:
        officials = officials.filter(job_position_id__in=positions)
    titles = [t.pk for t in requirement.leadership_titles.all()]
    if titles:
        officials = officials.filter(leadership_title_id__in=titles)
    officials = officials.annotate(joined_on=joined_on_expression())
    if requirement.joined_after:
        officials = officials.filter(joined_on__gt=requirement.joined_after)
    excluded = Exclusion.objects.filter(requirement=requirement).values("official_id")
    return officials.exclude(pk__in=excluded)


def target_sql(
    requirement: Requirement,
    official_ids: Iterable[int] | None = None,
    id_range: tuple[int, int] | None = None,
    paths: tuple[str, ...] | None = None,
) -> tuple[str, tuple]:
    officials = targeted(requirement, official_ids, paths)
    if id_range is not None:
        officials = officials.filter(pk__gte=id_range[0], pk__lt=id_range[1])
    rows = officials.order_by().annotate(
        official_id=F("pk"),
        group_id=F("position_group_id"),
        position_id=Coalesce(F("job_position_id"), Value(0)),
        title_id=Coalesce(F("leadership_title_id"), Value(0)),
        joined=F("joined_on"),
        position_from=F("position_since"),
    )
    # ``unit_id`` keeps its own name: an annotation cannot take a name the model has.
    values = rows.values(
        "official_id", "unit_id", "user_id", "group_id", "position_id", "title_id", "joined", "position_from"
    )
    try:
        return values.query.sql_with_params()
    except EmptyResultSet:  # no unit, or an empty list of officials: nobody
        return NOBODY, ()


def _plus_days(column: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + {int(days)})"
    return f"date({column}, '+{int(days)} days')"


def _later(first: str, second: str) -> str:
    return f"GREATEST({first}, {second})" if connection.vendor == "postgresql" else f"MAX({first}, {second})"


def notice_floor(requirement: Requirement, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=min(requirement.due_days or 0, settings.TRAINING_MIN_NOTICE_DAYS))


def due_sql(requirement: Requirement, today: datetime.date, alias: str = "q") -> tuple[str, list]:
    rule = requirement.due_rule
    if rule == Requirement.DueRule.FIXED:
        return "%s", [requirement.due_date]
    days = int(requirement.due_days or 0)
    assigned = today + datetime.timedelta(days=days)
    if rule == Requirement.DueRule.AFTER_ASSIGNMENT:
        return "%s", [assigned]
    anchor = (
        f"{alias}.joined"
        if rule == Requirement.DueRule.AFTER_JOINING
        else f"COALESCE({alias}.position_from, {alias}.joined)"
    )
    # CAST: PostgreSQL would otherwise take the parameters for text.
    cast = "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"
    relative = f"COALESCE({_plus_days(anchor, days)}, {cast})"
    return _later(relative, cast), [assigned, notice_floor(requirement, today)]


def due_for(
    requirement: Requirement,
    today: datetime.date,
    joined_on: datetime.date | None = None,
    position_since: datetime.date | None = None,
) -> datetime.date:
    rule = requirement.due_rule
    if rule == Requirement.DueRule.FIXED:
        assert requirement.due_date is not None
        return requirement.due_date
    days = datetime.timedelta(days=int(requirement.due_days or 0))
    if rule == Requirement.DueRule.AFTER_ASSIGNMENT:
        return today + days
    anchor = joined_on if rule == Requirement.DueRule.AFTER_JOINING else (position_since or joined_on)
    relative = anchor + days if anchor else today + days
    return max(relative, notice_floor(requirement, today))
