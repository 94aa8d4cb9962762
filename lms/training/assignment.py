"""Making the obligations equal to the rules: whoever a requirement of an active plan targets has an
open obligation, nobody else has one. Set-based: one ``INSERT … SELECT`` per step, whatever the
number of officials, so that activating a plan for a province is a handful of statements.

``sync(requirement, official_ids=None, ...) -> Result``
    Bring the requirement's obligations (of ``official_ids``, or of everyone) in line with its
    rule: enrol (as assigned) and oblige the newly targeted, reopen those who came back, end the
    obligations of those who left, move the counted facts of those who changed, and keep each
    affected enrolment's due date (the earliest of its open obligations) and the tallies in step.
    The caller holds the transaction; the requirement row is locked first, so that two syncs of
    one requirement (an activation and an import) follow each other instead of racing, and the
    unique (requirement, official) and (official, course) constraints decide the rest.
``sync_officials(official_ids)``
    ``sync`` of every requirement of every active plan, restricted to these officials (what a
    move, an import, a change of group, position or title triggers).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.utils import timezone

from lms.core.dates import today as local_today
from lms.learning import bulk
from lms.notifications import services as notifications

from . import rules, tallies
from .models import Obligation, Requirement, TrainingPlan

OBLIGATIONS = Obligation._meta.db_table
ENROLLMENTS = "learning_enrollment"
OFFICIALS = "people_official"
# Ids per ``IN (…)`` list: SQLite takes at most 32 766 parameters a statement. PostgreSQL (Django
# binds the parameters client-side) has no such limit, and there one statement for a whole
# activation chunk instead of one per 2 000 ids keeps a plan's activation linear: each statement
# over the obligations just written reads all of them (bench/training.py).
BATCH, PG_BATCH = 2000, 50_000


@dataclass
class Result:
    created: int = 0
    reopened: int = 0
    ended: int = 0
    moved: int = 0
    enrolled: int = 0
    notified: int = 0
    obligation_ids: list[int] = field(default_factory=list)

    def __iadd__(self, other: "Result") -> "Result":
        for name in ("created", "reopened", "ended", "moved", "enrolled", "notified"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def _lock(requirement: Requirement) -> None:
    list(Requirement.objects.select_for_update().filter(pk=requirement.pk).values_list("pk"))


def sync(
    requirement: Requirement,
    official_ids: Iterable[int] | None = None,
    *,
    by_id: int | None = None,
    now: datetime.datetime | None = None,
    id_range: tuple[int, int] | None = None,
    paths: tuple[str, ...] | None = None,
) -> Result:
    now = now or timezone.now()
    today = local_today()
    ids = None if official_ids is None else sorted(set(official_ids))
    result = Result()
    if ids is not None and not ids:
        return result
    _lock(requirement)
    plan = requirement.plan
    live = plan.status in (TrainingPlan.Status.ACTIVE, TrainingPlan.Status.ACTIVATING)
    if plan.status == TrainingPlan.Status.CLOSED:
        return result  # a closed plan's figures are its final report: nothing moves any more
    course = requirement.course
    if live and course is not None:
        match_sql, match_params = rules.target_sql(requirement, ids, id_range, paths)
    else:
        match_sql, match_params = rules.NOBODY, ()
    restrict, restrict_params = _restriction("b.official_id", ids, id_range)
    locked = _lock_enrollments(requirement, match_sql, match_params, restrict, restrict_params)
    # None of these officials has an obligation of the requirement yet (a plan being activated):
    # nobody to end, reopen or move, and three readings of the rule saved.
    obliged = bool(
        _ids(
            f"SELECT 1 FROM {OBLIGATIONS} b WHERE b.requirement_id = %s AND {restrict} LIMIT 1",
            [requirement.pk, *restrict_params],
        )
    )

    # Those no longer targeted: out of the tallies, then ended.
    ending = (
        _ids(
            f"SELECT b.id FROM {OBLIGATIONS} b WHERE b.requirement_id = %s AND b.ended_at IS NULL AND {restrict}"
            f" AND b.official_id NOT IN (SELECT q.official_id FROM ({match_sql}) q)",
            [requirement.pk, *restrict_params, *match_params],
        )
        if obliged
        else []
    )
    touched_enrollments: set[int] = set()
    if ending:
        tallies.add_ids(-1, ending)
        for chunk in _chunks(ending):
            touched_enrollments |= set(Obligation.objects.filter(pk__in=chunk).values_list("enrollment_id", flat=True))
            Obligation.objects.filter(pk__in=chunk).update(ended_at=now)
        result.ended = len(ending)
    if course is None or not live:
        sync_enrollments(touched_enrollments)
        return result

    due, due_params = rules.due_sql(requirement, today, "q")
    # Only the targeted without an obligation of the requirement. When none of them has one
    # (``obliged`` False, under the requirement's lock) the test is left out: with statistics from
    # before an activation, PostgreSQL reads the obligations just written once per official.
    unobliged, unobliged_params = (
        (
            f" AND NOT EXISTS (SELECT 1 FROM {OBLIGATIONS} x WHERE x.requirement_id = %s"
            " AND x.official_id = q.official_id)",
            [requirement.pk],
        )
        if obliged
        else ("", [])
    )
    # New enrolments for the targeted who are in no enrolment of the course yet.
    new_enrollments = bulk.insert_assigned(
        course.pk,
        requirement.course_title,
        f"SELECT q.official_id, q.unit_id, {due} AS due_date FROM ({match_sql}) q WHERE 1 = 1{unobliged}",
        [*due_params, *match_params, *unobliged_params],
        by_id,
        now,
    )
    result.enrolled = len(new_enrollments)
    # Obligations for the targeted who have none: new enrolments and existing ones alike.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OBLIGATIONS} (requirement_id, plan_id, official_id, enrollment_id, assigned_at,"
            " rule_due_date, due_date, round, tally_unit_id, tally_group_id, tally_position_id, tally_title_id)"
            f" SELECT %s, %s, q.official_id, e.id, %s, {due}, {due}, 1, q.unit_id, q.group_id, q.position_id,"
            f" q.title_id FROM ({match_sql}) q JOIN {ENROLLMENTS} e ON e.official_id = q.official_id"
            f" AND e.course_id = %s WHERE 1 = 1{unobliged}"
            " ON CONFLICT (requirement_id, official_id) DO NOTHING RETURNING id, enrollment_id",
            [
                requirement.pk,
                plan.pk,
                now,
                *due_params,
                *due_params,
                *match_params,
                course.pk,
                *unobliged_params,
            ],
        )
        created = cursor.fetchall()
    created_ids = [row[0] for row in created]
    new = set(new_enrollments)
    touched_enrollments |= {row[1] for row in created if row[1] not in new}
    result.created = len(created_ids)

    # Those who came back into the target: reopened, a new round, a due date from today.
    reopened = _reopen(requirement, match_sql, match_params, restrict, restrict_params, today, now) if obliged else []
    touched_enrollments |= {enrollment_id for _, enrollment_id in reopened}
    result.reopened = len(reopened)

    # Those still targeted whose counted facts changed (moved, new group, position or title).
    if obliged and (ids is not None or id_range is not None):
        result.moved = _move(requirement, match_sql, match_params, restrict, restrict_params)

    fresh = created_ids + [pk for pk, _ in reopened]
    _lock_ids(touched_enrollments - locked)  # enrolled by themselves since the lock above (rare)
    if fresh:
        tallies.add_ids(1, fresh)
        result.notified = _notify_assigned(fresh)
    result.obligation_ids = fresh
    sync_enrollments(touched_enrollments)
    return result


def lock(requirement: Requirement, paths: tuple[str, ...] | None = None) -> None:
    """Take every lock a ``sync`` of the whole requirement takes, before it writes anything: a caller
    syncing several requirements in one transaction (the activation) takes them all first."""
    _lock(requirement)
    match_sql, match_params = rules.target_sql(requirement, paths=paths)
    _lock_enrollments(requirement, match_sql, match_params, "1 = 1", [])


def _lock_enrollments(requirement, match_sql, match_params, restrict, restrict_params) -> set[int]:
    """Lock, in id order, the enrolments a sync counts: the targeted's in the course and those of
    the open obligations it may end or move. A learner's progress on one then waits for this
    transaction, or this one for the learner's, and neither tally is ever counted from a state the
    other is changing. (PostgreSQL; SQLite lets one writer in at a time.) Taken before any tally
    row is written, as ``lms.reports.maintenance`` orders its locks: the enrolment first."""
    if connection.vendor != "postgresql":
        return set()
    return set(
        _ids(
            f"SELECT e.id FROM {ENROLLMENTS} e WHERE e.id IN (SELECT x.id FROM {ENROLLMENTS} x"
            f" WHERE x.course_id = %s AND x.official_id IN (SELECT q.official_id FROM ({match_sql}) q)"
            f" UNION SELECT b.enrollment_id FROM {OBLIGATIONS} b WHERE b.requirement_id = %s AND b.ended_at IS NULL"
            f" AND {restrict}) ORDER BY e.id FOR NO KEY UPDATE",
            [requirement.course_id or 0, *match_params, requirement.pk, *restrict_params],
        )
    )


def _lock_ids(enrollment_ids: Iterable[int]) -> None:
    if connection.vendor != "postgresql":
        return
    for chunk in _chunks(list(set(enrollment_ids))):
        _ids(f"SELECT id FROM {ENROLLMENTS} WHERE id IN ({_in(chunk)}) ORDER BY id FOR NO KEY UPDATE", chunk)


def _restriction(column: str, ids: list[int] | None, id_range: tuple[int, int] | None) -> tuple[str, list]:
    parts, params = ["1 = 1"], []
    if ids is not None:
        parts.append(f"{column} IN ({_in(ids)})")
        params += ids
    if id_range is not None:
        parts.append(f"{column} >= %s AND {column} < %s")
        params += list(id_range)
    return " AND ".join(parts), params


def _ids(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _chunks(ids: Iterable[int], size: int | None = None) -> Iterable[list[int]]:
    ids = sorted(ids)
    size = size or (PG_BATCH if connection.vendor == "postgresql" else BATCH)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _reopen(requirement, match_sql, match_params, restrict, restrict_params, today, now) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.id, b.enrollment_id, q.unit_id, q.group_id, q.position_id, q.title_id, q.joined,"
            f" q.position_from FROM {OBLIGATIONS} b JOIN ({match_sql}) q ON q.official_id = b.official_id"
            f" WHERE b.requirement_id = %s AND b.ended_at IS NOT NULL AND {restrict}",
            [*match_params, requirement.pk, *restrict_params],
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    objects = []
    for pk, _enrollment_id, unit_id, group_id, position_id, title_id, joined, position_from in rows:
        due = rules.due_for(requirement, today, _date(joined), _date(position_from))
        objects.append(
            Obligation(
                pk=pk,
                ended_at=None,
                assigned_at=now,
                rule_due_date=due,
                due_date=due,
                unit_id_counted=unit_id,
                group_id_counted=group_id,
                position_id_counted=position_id,
                title_id_counted=title_id,
            )
        )
    Obligation.objects.bulk_update(
        objects,
        [
            "ended_at",
            "assigned_at",
            "rule_due_date",
            "due_date",
            "unit_id_counted",
            "group_id_counted",
            "position_id_counted",
            "title_id_counted",
        ],
        batch_size=500,
    )
    Obligation.objects.filter(pk__in=[row[0] for row in rows]).update(round=F("round") + 1)
    return [(row[0], row[1]) for row in rows]


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _move(requirement, match_sql, match_params, restrict, restrict_params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.id, q.unit_id, q.group_id, q.position_id, q.title_id FROM {OBLIGATIONS} b"
            f" JOIN ({match_sql}) q ON q.official_id = b.official_id"
            f" WHERE b.requirement_id = %s AND b.ended_at IS NULL AND {restrict}"
            " AND (b.tally_unit_id <> q.unit_id OR b.tally_group_id <> q.group_id"
            " OR b.tally_position_id <> q.position_id OR b.tally_title_id <> q.title_id)",
            [*match_params, requirement.pk, *restrict_params],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    tallies.add_ids(-1, ids)
    Obligation.objects.bulk_update(
        [
            Obligation(pk=pk, unit_id_counted=u, group_id_counted=g, position_id_counted=p, title_id_counted=t)
            for pk, u, g, p, t in rows
        ],
        ["unit_id_counted", "group_id_counted", "position_id_counted", "title_id_counted"],
        batch_size=500,
    )
    tallies.add_ids(1, ids)
    return len(rows)


def sync_enrollments(enrollment_ids: Iterable[int]) -> None:
    """Each enrolment's due date is the earliest of its open obligations' (kept when none is
    open any more: the record of when it was due stays); an obliged enrolment is assigned."""
    ids = sorted(set(enrollment_ids))
    if not ids:
        return
    # Not ``MIN(b.due_date) … AND b.ended_at IS NULL``: PostgreSQL may read that through the partial
    # index of open obligations by due date, all of them for each enrolment (with statistics from
    # before an activation's 100 000 rows, 12 ms per enrolment). An enrolment has a few obligations:
    # read them by the enrolment's index and leave the ended ones out of the MIN.
    earliest = (
        f"(SELECT MIN(CASE WHEN b.ended_at IS NULL THEN b.due_date END) FROM {OBLIGATIONS} b"
        f" WHERE b.enrollment_id = {ENROLLMENTS}.id)"
    )
    differs = []
    for chunk in _chunks(ids):
        differs += _ids(
            f"SELECT id FROM {ENROLLMENTS} WHERE id IN ({_in(chunk)}) AND {earliest} IS NOT NULL"
            f" AND (due_date IS NULL OR due_date <> {earliest} OR source <> %s)",
            [*chunk, "assignment"],
        )
    if differs:
        bulk.rewrite(
            differs,
            f"UPDATE {ENROLLMENTS} SET due_date = {earliest}, source = %s WHERE id IN ({{ids}})",
            ["assignment"],
        )


def _notify_assigned(obligation_ids: list[int]) -> int:
    """The "assigned" message of each fresh obligation, unless its course is already complete."""
    count = 0
    day = local_today()
    for chunk in _chunks(obligation_ids):
        count += notifications.record_select(
            f"SELECT o.user_id, 'obligation', b.id, 'assigned', b.round, %s FROM {OBLIGATIONS} b"
            f" JOIN {OFFICIALS} o ON o.id = b.official_id JOIN {ENROLLMENTS} e ON e.id = b.enrollment_id"
            f" WHERE b.id >= %s AND b.id <= %s AND b.id IN ({_in(chunk)}) AND e.completed_at IS NULL",
            [day, chunk[0], chunk[-1], *chunk],
        )
    return count


def sync_officials(official_ids: Iterable[int], now: datetime.datetime | None = None) -> Result:
    ids = sorted(set(official_ids))
    result = Result()
    if not ids:
        return result
    # The requirements of activating plans are locked too (and skipped): an activation holds them
    # until it commits, so these officials are either seen by it or synced here once it is active.
    live = [TrainingPlan.Status.ACTIVE, TrainingPlan.Status.ACTIVATING]
    held = Requirement.objects.filter(plan__status__in=live).select_for_update(of=("self",)).order_by("pk")
    locked = list(held.values_list("pk", flat=True))
    requirements = list(
        Requirement.objects.filter(pk__in=locked, plan__status=TrainingPlan.Status.ACTIVE)
        .select_related("plan", "course")
        .order_by("pk")
    )
    if requirements and connection.vendor == "postgresql":  # the enrolments before any tally is written
        courses = sorted({r.course_id for r in requirements if r.course_id is not None})
        for chunk in _chunks(ids):
            _ids(
                f"SELECT id FROM {ENROLLMENTS} WHERE official_id IN ({_in(chunk)})"
                f" AND (course_id IN ({_in(courses or [0])}) OR id IN (SELECT b.enrollment_id FROM {OBLIGATIONS} b"
                f" WHERE b.ended_at IS NULL AND b.official_id IN ({_in(chunk)}))) ORDER BY id FOR NO KEY UPDATE",
                [*chunk, *(courses or [0]), *chunk],
            )
    for requirement in requirements:
        for chunk in _chunks(ids):
            result += sync(requirement, chunk, now=now)
    return result
