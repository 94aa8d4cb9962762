"""Keeping ``PlanTally`` equal to a count of the open obligations, by the state of their enrolments,
inside the transaction that changes either.

* Obligations created, reopened, ended, moved or given a new due date: their contributions are
  taken out (sign -1) before and put back (+1) after, set-based (``add``).
* One enrolment's status changing (a lesson, a completion, a new cycle): ``enrollment_changed``
  applies the difference to the few obligations of that enrolment, in Python.
* ``rebuild(plan)`` recounts from scratch; ``check(plan)`` says whether the tally is right.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection

from .models import Obligation, PlanTally, Requirement

TABLE = PlanTally._meta.db_table
OBLIGATIONS = Obligation._meta.db_table
ENROLLMENTS = "learning_enrollment"
KEYS = ("requirement_id", "unit_id", "position_group_id", "job_position_id", "title_id", "due_date")
VALUES = ("targeted", "completed", "in_progress")
IN_PROGRESS = (
    "e.completed_at IS NULL AND e.last_activity_at IS NOT NULL"
    " AND (e.cycle_started_at IS NULL OR e.last_activity_at > e.cycle_started_at)"
)
UPSERT = (
    f"INSERT INTO {TABLE} ({', '.join(KEYS + VALUES)}) {{select}}"
    f" ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET " + ", ".join(f"{v} = {TABLE}.{v} + excluded.{v}" for v in VALUES)
)
CHUNK = 2000  # ids per IN (…) list on SQLite (32 766 parameters at most)
# On PostgreSQL, one statement for an activation chunk: each one reads every open obligation
# written so far through the partial index ``obligation_open_due`` (bench/training.py).
PG_CHUNK = 50_000


def _select(sign: int, where: str) -> str:
    return (
        "SELECT b.requirement_id, b.tally_unit_id, b.tally_group_id, b.tally_position_id, b.tally_title_id,"
        f" b.due_date, {sign} * COUNT(*),"
        f" {sign} * SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END),"
        f" {sign} * SUM(CASE WHEN {IN_PROGRESS} THEN 1 ELSE 0 END)"
        f" FROM {OBLIGATIONS} b JOIN {ENROLLMENTS} e ON e.id = b.enrollment_id"
        f" WHERE b.ended_at IS NULL AND {where} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
    )


def add(sign: int, where: str, params: Sequence[Any]) -> None:
    """Add (1) or take out (-1) the open obligations passing ``where`` (on ``b``, the obligation,
    and ``e``, its enrolment)."""
    with connection.cursor() as cursor:
        cursor.execute(UPSERT.format(select=_select(int(sign), where)), list(params))


def add_ids(sign: int, obligation_ids: Sequence[int]) -> None:
    ids = sorted(set(obligation_ids))
    size = PG_CHUNK if connection.vendor == "postgresql" else CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        # The range too: fresh obligations have neighbouring ids, read by the primary key.
        add(
            sign,
            f"b.id >= %s AND b.id <= %s AND b.id IN ({', '.join(['%s'] * len(chunk))})",
            [chunk[0], chunk[-1], *chunk],
        )


def _status(state) -> tuple[int, int]:
    """(completed, in progress) of an ``EnrollmentState`` (None: nothing)."""
    if state is None:
        return (0, 0)
    if state.completed_at is not None:
        return (1, 0)
    started = state.last_activity_at is not None and (
        state.cycle_started_at is None or state.last_activity_at > state.cycle_started_at
    )
    return (0, 1 if started else 0)


def enrollment_changed(enrollment_id: int, before, after) -> None:
    """Apply one enrolment's change of status to its open obligations (a handful of rows)."""
    old, new = _status(before), _status(after)
    if old == new:
        return
    rows = (
        Obligation.objects.current()
        .filter(enrollment_id=enrollment_id)
        .values_list(
            "requirement_id",
            "unit_id_counted",
            "group_id_counted",
            "position_id_counted",
            "title_id_counted",
            "due_date",
        )
    )
    increments: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key in rows:
        increment = increments[tuple(key)]
        increment[1] += new[0] - old[0]
        increment[2] += new[1] - old[1]
    if not increments:
        return
    row_sql = "(" + ", ".join(["%s"] * (len(KEYS) + len(VALUES))) + ")"
    changed = sorted(increments.items())
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT.format(select="VALUES " + ", ".join([row_sql] * len(changed))),
            [value for key, values in changed for value in (*key, *values)],
        )


def rebuild(plan_id: int | None = None) -> None:
    """Recount the tallies of one plan (or of all) from the obligations."""
    with connection.cursor() as cursor:
        if plan_id is None:
            cursor.execute(f"DELETE FROM {TABLE}")
        else:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE requirement_id IN (SELECT id FROM training_requirement WHERE plan_id = %s)",
                [plan_id],
            )
    if plan_id is None:
        add(1, "1 = 1", [])
    else:
        add(1, "b.plan_id = %s", [plan_id])


def stored(plan_id: int) -> dict[tuple, tuple[int, ...]]:
    rows = PlanTally.objects.filter(
        requirement_id__in=Requirement.objects.filter(plan_id=plan_id).values("pk")
    ).values_list(*KEYS, *VALUES)
    return {_key(row[:6]): tuple(row[6:]) for row in rows if any(row[6:])}


def counted(plan_id: int) -> dict[tuple, tuple[int, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(_select(1, "b.plan_id = %s"), [plan_id])
        return {_key(row[:6]): tuple(int(v) for v in row[6:]) for row in cursor.fetchall() if any(row[6:])}


def _key(row) -> tuple:
    return tuple(value.isoformat() if hasattr(value, "isoformat") else value for value in row)


def check(plan_id: int) -> bool:
    return stored(plan_id) == counted(plan_id)
