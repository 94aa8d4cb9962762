"""The system does the chasing: training obligations in the notification ledger (lms.notifications).

``collect(day) -> int``, the source ``training_obligations``
    Records, set-based (one ``INSERT … SELECT`` per trigger, whatever the number of officials), the
    messages due on ``day`` about the *live* obligations: current, of a plan that is active (or
    active and gaining a requirement), whose enrolment is not completed and whose official is
    active. The ledger's key makes every message once: recipient = the official's user, topic
    ``obligation``, object = the obligation, cycle = its round, day = the trigger's nominal day.

    * ``due_soon``: for each offset N of the plan's ``reminder_offsets`` (14 and 3 by default), on
      the nominal day ``due_date - N``, while ``day`` is before the due date. A catch-up after an
      outage records the latest offset that has come (at 2 days before, the 3-day one, not the
      14-day one too), and nothing whose nominal day came before the official was assigned (the
      assignment message said it).
    * ``due_today``: on the due date itself only. A missed one is not caught up the day after (it
      would say "today is the last day" when it is not); the overdue reminder follows.
    * ``overdue``: weekly while overdue, on ``due_date + 7k`` (k ≥ 1): the latest such day up to
      ``day``, so a catch-up after two missed weeks records one, not two.
    * ``overdue_digest`` (topic ``unit``): once a week (nominal day: the Monday of ``day``'s
      week), one per HR scope (a managing HR user or a read-only unit head, object = the scope's
      unit) whose subtree has officials more than ``TRAINING_ESCALATE_AFTER_DAYS`` days overdue.
``describe_obligations(ids)``, ``describe_units(ids)``
    The topics' facts (``lms.notifications.registry``), in queries that do not grow with the ids;
    None when the message has become obsolete (obligation ended or completed, plan closed,
    official inactive; nobody in the unit overdue any more).
"""

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection
from django.urls import reverse

from lms.core import dates
from lms.learning.models import Enrollment
from lms.notifications import services as notifications
from lms.notifications.models import Trigger
from lms.notifications.registry import Facts
from lms.people.models import HRScope, Official, OrgUnit

from .models import Obligation, Requirement, TrainingPlan, parse_reminder_days

SOURCE = "training_obligations"
OBLIGATION = "obligation"
UNIT = "unit"
DIGEST_ITEMS = 50
DEFAULT_OFFSETS = (14, 3)
# The plans whose obligations are chased: active ones (also while gaining a requirement).
LIVE_PLANS = (TrainingPlan.Status.ACTIVE.value, TrainingPlan.Status.ACTIVATING.value)

OBLIGATIONS = Obligation._meta.db_table
REQUIREMENTS = Requirement._meta.db_table
PLANS = TrainingPlan._meta.db_table
ENROLLMENTS = Enrollment._meta.db_table
OFFICIALS = Official._meta.db_table
UNITS = OrgUnit._meta.db_table
SCOPES = HRScope._meta.db_table
USERS = HRScope._meta.get_field("user").related_model._meta.db_table

# The live obligations ``b`` with their plan ``p``, enrolment ``e`` and official ``o``.
LIVE_FROM = (
    f" FROM {OBLIGATIONS} b JOIN {PLANS} p ON p.id = b.plan_id"
    f" JOIN {ENROLLMENTS} e ON e.id = b.enrollment_id JOIN {OFFICIALS} o ON o.id = b.official_id"
)
LIVE_WHERE = " WHERE b.ended_at IS NULL AND p.status IN (%s, %s) AND e.completed_at IS NULL AND o.is_active = %s"
LIVE_PARAMS: list[Any] = [*LIVE_PLANS, True]


# SQL of dates, on PostgreSQL and SQLite alike --------------------------------------------------


def _date_param() -> str:
    return "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"


def _plus_days(date_sql: str, days_sql: str) -> str:
    """``date_sql`` + ``days_sql`` days (an integer expression, may be negative)."""
    if connection.vendor == "postgresql":
        return f"({date_sql} + ({days_sql}))"
    return f"date({date_sql}, ({days_sql}) || ' days')"


def _days_between(later_sql: str, earlier_sql: str) -> str:
    """Whole days from ``earlier_sql`` to ``later_sql`` (two dates)."""
    if connection.vendor == "postgresql":
        return f"({later_sql} - {earlier_sql})"
    return f"CAST(julianday({later_sql}) - julianday({earlier_sql}) AS INTEGER)"


def _local_date(datetime_sql: str) -> tuple[str, list]:
    """The day in Asia/Ho_Chi_Minh of a stored (UTC) moment."""
    sql, params = connection.ops.datetime_cast_date_sql(datetime_sql, (), settings.TIME_ZONE)
    return sql, list(params)


# The source ------------------------------------------------------------------------------------


def collect(day: datetime.date) -> int:
    """The source ``training_obligations``: everything due on ``day``; how many rows were new."""
    return due_soon(day) + due_today(day) + overdue(day) + escalate(day)


def _select(trigger: str, key_day_sql: str) -> str:
    return f"SELECT o.user_id, '{OBLIGATION}', b.id, '{trigger}', b.round, {key_day_sql}{LIVE_FROM}{LIVE_WHERE}"


def _offsets_by_plan() -> dict[tuple[int, ...], list[int]]:
    """The live plans by their reminder offsets, ascending (the plans are few)."""
    plans: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for pk, text in TrainingPlan.objects.filter(status__in=LIVE_PLANS).values_list("pk", "reminder_days"):
        try:
            offsets = tuple(sorted(parse_reminder_days(text)))
        except ValueError:
            offsets = tuple(sorted(DEFAULT_OFFSETS))
        plans[offsets].append(pk)
    return plans


def due_soon(day: datetime.date) -> int:
    """For each offset N: the obligations due in (previous offset, N] days get the N-day reminder,
    nominal day ``due_date - N``: the latest reminder that has come, never an earlier one too."""
    assigned_on, assigned_params = _local_date("b.assigned_at")
    count = 0
    for offsets, plan_ids in _offsets_by_plan().items():
        previous = 0
        for offset in offsets:
            key_day = _plus_days("b.due_date", str(-offset))
            sql = (
                _select(Trigger.DUE_SOON.value, key_day)
                + f" AND b.plan_id IN ({', '.join(['%s'] * len(plan_ids))})"
                + f" AND b.due_date > {_date_param()} AND b.due_date <= {_date_param()}"
                + f" AND {assigned_on} <= {key_day}"
            )
            params = [
                *LIVE_PARAMS,
                *plan_ids,
                day + datetime.timedelta(days=previous),
                day + datetime.timedelta(days=offset),
                *assigned_params,
            ]
            count += notifications.record_select(sql, params)
            previous = offset
    return count


def due_today(day: datetime.date) -> int:
    sql = _select(Trigger.DUE_TODAY.value, "b.due_date") + f" AND b.due_date = {_date_param()}"
    return notifications.record_select(sql, [*LIVE_PARAMS, day])


def overdue(day: datetime.date) -> int:
    """Weekly: nominal day ``due_date + 7k``, the latest one up to ``day`` (k ≥ 1)."""
    weeks = f"7 * ({_days_between(_date_param(), 'b.due_date')} / 7)"
    sql = _select(Trigger.OVERDUE.value, _plus_days("b.due_date", weeks)) + f" AND b.due_date <= {_date_param()}"
    return notifications.record_select(sql, [day, *LIVE_PARAMS, day - datetime.timedelta(days=7)])


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s ISO week: the digest's nominal day."""
    return day - datetime.timedelta(days=day.weekday())


def escalation_cutoff(day: datetime.date) -> datetime.date:
    """Due before this day: more than ``TRAINING_ESCALATE_AFTER_DAYS`` days overdue on ``day``."""
    return day - datetime.timedelta(days=settings.TRAINING_ESCALATE_AFTER_DAYS)


def escalate(day: datetime.date) -> int:
    """One digest a week per HR scope whose subtree has officials overdue beyond the threshold."""
    late_units = f"SELECT o.unit_id{LIVE_FROM}{LIVE_WHERE} AND b.due_date < {_date_param()}"
    sql = (
        f"SELECT DISTINCT s.user_id, '{UNIT}', s.unit_id, '{Trigger.OVERDUE_DIGEST.value}', 1, {_date_param()}"
        f" FROM {SCOPES} s JOIN {USERS} u ON u.id = s.user_id JOIN {UNITS} su ON su.id = s.unit_id"
        f" JOIN {UNITS} ou ON ou.path LIKE su.path || '%%'"
        f" WHERE u.is_active = %s AND ou.id IN ({late_units})"
    )
    return notifications.record_select(sql, [week_of(day), True, *LIVE_PARAMS, escalation_cutoff(day)])


# The topics ------------------------------------------------------------------------------------


def describe_obligations(ids: list[int]) -> dict[int, Facts | None]:
    """Course, plan, reason, due date and the learner's page of each obligation, in one query."""
    url = reverse("learning:my_learning")
    rows = Obligation.objects.filter(pk__in=list(ids)).select_related(
        "requirement__plan", "plan", "enrollment", "official"
    )
    described: dict[int, Facts | None] = {}
    for obligation in rows:
        live = (
            obligation.ended_at is None
            and obligation.plan.status in LIVE_PLANS
            and obligation.enrollment.completed_at is None
            and obligation.official.is_active
        )
        described[obligation.pk] = (
            {
                "course": obligation.requirement.course_title,
                "plan": obligation.plan.name,
                "reason": obligation.requirement.reason,
                "due_date": obligation.due_date,
                "url": url,
            }
            if live
            else None
        )
    return described


def _subtrees(ids: list[int]) -> tuple[dict[int, str], list[tuple[int, int]]]:
    """The names of the units ``ids`` and the (unit, requested unit) pairs of their subtrees."""
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT su.id, su.name, ou.id FROM {UNITS} su JOIN {UNITS} ou ON ou.path LIKE su.path || '%%'"
            f" WHERE su.id IN ({marks})",
            ids,
        )
        rows = cursor.fetchall()
    return {pk: name for pk, name, _unit in rows}, [(int(unit), int(pk)) for pk, _name, unit in rows]


def describe_units(ids: list[int]) -> dict[int, Facts | None]:
    """Each unit's officials more than the threshold overdue, today: the unit, how many, the first
    ``DIGEST_ITEMS`` (most overdue first) and HR's overdue list. Three queries for any ids: the
    subtrees, then the counts and the lists over the (unit, requested unit) pairs."""
    ids = sorted(set(ids))
    names, pairs = _subtrees(ids) if ids else ({}, [])
    if not pairs:
        return {}
    today = dates.today()
    with_late = (
        "WITH m (unit_id, req) AS (VALUES " + ", ".join(f"({unit}, {req})" for unit, req in pairs) + "),"
        " late AS (SELECT m.req AS req, o.id AS official, o.full_name AS name, ou.name AS unit_name,"
        f" r.course_title AS course, b.due_date AS due_date, b.id AS obligation{LIVE_FROM}"
        f" JOIN m ON m.unit_id = o.unit_id JOIN {UNITS} ou ON ou.id = o.unit_id"
        f" JOIN {REQUIREMENTS} r ON r.id = b.requirement_id{LIVE_WHERE} AND b.due_date < {_date_param()})"
    )
    params = [*LIVE_PARAMS, escalation_cutoff(today)]
    with connection.cursor() as cursor:
        cursor.execute(f"{with_late} SELECT req, COUNT(DISTINCT official) FROM late GROUP BY req", params)
        counts = dict(cursor.fetchall())
        cursor.execute(
            f"{with_late} SELECT req, name, unit_name, course, due_date FROM (SELECT late.*, ROW_NUMBER() OVER"
            " (PARTITION BY req ORDER BY due_date, name, obligation) AS n FROM late) x WHERE n <= %s ORDER BY req, n",
            [*params, DIGEST_ITEMS],
        )
        rows = cursor.fetchall()
    items: dict[int, list[Facts]] = defaultdict(list)
    for unit_id, name, unit_name, course, due in rows:
        due = due if isinstance(due, datetime.date) else datetime.date.fromisoformat(str(due)[:10])
        items[unit_id].append(
            {"name": name, "unit": unit_name, "course": course, "due_date": due, "days_overdue": (today - due).days}
        )
    overdue_list = reverse("reports:overdue")
    described: dict[int, Facts | None] = {}
    for pk, name in names.items():
        described[pk] = (
            {
                "unit": name,
                "count": counts[pk],
                "days": settings.TRAINING_ESCALATE_AFTER_DAYS,
                "items": items[pk],
                "url": f"{overdue_list}?unit={pk}",
            }
            if counts.get(pk)
            else None
        )
    return described


def register() -> None:
    """From ``TrainingConfig.ready``: the topics and the source, in the ledger's registry."""
    from lms.notifications import registry

    registry.register_topic(OBLIGATION, describe_obligations)
    registry.register_topic(UNIT, describe_units)
    registry.register_source(SOURCE, collect)
