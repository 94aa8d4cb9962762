"""Enrolments written set-based, for callers that assign a course to thousands at once (training
plans): one ``INSERT … SELECT`` instead of a row at a time, and the signals the report tallies
follow (``signals.enrollments_added`` / ``enrollments_rewriting`` / ``enrollments_rewritten``).

``insert_assigned(course, rows_sql, params, assigned_by_id, now) -> list[int]``
    Enrol, as assigned, every official that ``rows_sql`` selects as ``(official_id, unit_id,
    due_date)`` and that is not enrolled in ``course`` yet; returns the new enrolments' ids.
    An official already enrolled (self-enrolled, or enrolled by a parallel run) is left alone:
    the unique (official, course) constraint decides, never a prior read.
``rewrite(enrollment_ids, sql, params)``
    Run ``sql`` (an ``UPDATE`` of those rows) between the two rewrite signals.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection

from . import signals
from .models import Enrollment

TABLE = Enrollment._meta.db_table
CHUNK = 2000  # ids per IN (…) list on SQLite (32 766 parameters at most)
PG_CHUNK = 50_000  # PostgreSQL has no such limit: fewer, larger statements (and signals)


def insert_assigned(
    course_id: int,
    course_title: str,
    rows_sql: str,
    params: Sequence[Any],
    assigned_by_id: int | None,
    now: datetime.datetime,
) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (official_id, unit_id, course_id, course_title, source, assigned_by_id,"
            " due_date, enrolled_at, cycle)"
            f" SELECT q.official_id, q.unit_id, %s, %s, %s, %s, q.due_date, %s, 1 FROM ({rows_sql}) q"
            f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE} x WHERE x.official_id = q.official_id AND x.course_id = %s)"
            " ON CONFLICT (official_id, course_id) DO NOTHING RETURNING id",
            [course_id, course_title, Enrollment.Source.ASSIGNMENT, assigned_by_id, now, *params, course_id],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        signals.enrollments_added.send(sender=Enrollment, enrollment_ids=ids)
    return ids


def rewrite(enrollment_ids: Sequence[int], sql: str, params: Sequence[Any]) -> None:
    """``sql`` must only touch the rows of ``enrollment_ids``; it is run once per chunk of them,
    with ``{ids}`` in it replaced by the chunk's placeholders and the chunk appended to ``params``."""
    ids = sorted(set(enrollment_ids))
    size = PG_CHUNK if connection.vendor == "postgresql" else CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        _lock(chunk)  # nobody changes them between the two signals: what is taken out is put back
        signals.enrollments_rewriting.send(sender=Enrollment, enrollment_ids=chunk)
        with connection.cursor() as cursor:
            cursor.execute(sql.format(ids=", ".join(["%s"] * len(chunk))), [*params, *chunk])
        signals.enrollments_rewritten.send(sender=Enrollment, enrollment_ids=chunk)


def _lock(ids: Sequence[int]) -> None:
    """The rows, in id order, as a learner's service locks one (PostgreSQL; SQLite has one writer)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id FOR NO KEY UPDATE",
            list(ids),
        )
