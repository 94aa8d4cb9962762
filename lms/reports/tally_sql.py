"""Set-based tallying: one ``SELECT … GROUP BY`` per tally table that counts the raw rows (an
enrolment or an official) through the two maps, for a restricted set of them.

The same statements serve the full rebuild (no restriction), the re-tally of the units whose place
in the tree changed (``r.unit_id IN …``) and of officials whose group, unit or activity changed
(``s.official_id IN …``): counted with sign -1 before the change and +1 after it, they move those
records' contributions. Local years and months use Django's own backend SQL, so SQLite and
PostgreSQL cut days at the same hour as ``timezone.localtime`` does.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from .models import CompletionTally, DueTally, EnrollmentTally, HeadcountTally, TalliedOfficial, UnitRollup

ENROLLMENT = "learning_enrollment"
STORED_OFFICIALS = TalliedOfficial._meta.db_table
STORED_ROLLUP = UnitRollup._meta.db_table
# The raw officials, shaped like TalliedOfficial: what --check compares against.
LIVE_OFFICIALS = "(SELECT id AS official_id, unit_id, position_group_id, is_active FROM people_official)"


@dataclass(frozen=True)
class Table:
    model: type
    keys: tuple
    values: tuple

    @property
    def name(self):
        return self.model._meta.db_table


# Written in this order, always: two transactions never wait on each other's tables crosswise.
ENROLLMENTS = Table(
    EnrollmentTally,
    ("unit_id", "kind", "position_group_id", "course_id", "year"),
    ("enrolled", "completed", "in_progress"),
)
DUE = Table(DueTally, ENROLLMENTS.keys + ("due_date",), ("pending",))
COMPLETIONS = Table(CompletionTally, ENROLLMENTS.keys + ("month",), ("completed",))
HEADCOUNT = Table(HeadcountTally, ("unit_id", "kind", "position_group_id"), ("active",))
TABLES = (ENROLLMENTS, DUE, COMPLETIONS, HEADCOUNT)
RECORD_TABLES = (ENROLLMENTS, DUE, COMPLETIONS)

IN_PROGRESS = (
    "e.completed_at IS NULL AND e.last_activity_at IS NOT NULL"
    " AND (e.cycle_started_at IS NULL OR e.last_activity_at > e.cycle_started_at)"
)


def _local(part, column):
    sql, params = connection.ops.datetime_extract_sql(part, column, (), settings.TIME_ZONE)
    return f"CAST({sql} AS integer)", list(params)


def _select(table, sign, where, params, officials, rollup):
    """(sql, params) of the signed counts of ``table`` for the raw rows passing ``where``."""
    if table is HEADCOUNT:
        return (
            f"SELECT r.ancestor_id, r.kind, s.position_group_id, {sign} * COUNT(*)"
            f" FROM {officials} s JOIN {rollup} r ON r.unit_id = s.unit_id"
            f" WHERE s.is_active AND {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            list(params),
        )
    year, year_params = _local("year", "COALESCE(e.cycle_started_at, e.enrolled_at)")
    columns = f"r.ancestor_id, r.kind, s.position_group_id, COALESCE(e.course_id, 0), {year}"
    column_params = list(year_params)
    if table is ENROLLMENTS:
        counts = (
            f"{sign} * COUNT(*), {sign} * SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END),"
            f" {sign} * SUM(CASE WHEN {IN_PROGRESS} THEN 1 ELSE 0 END)"
        )
        which, width = "", 5
    elif table is DUE:
        columns += ", e.due_date"
        counts, which, width = f"{sign} * COUNT(*)", " AND e.completed_at IS NULL AND e.due_date IS NOT NULL", 6
    else:
        done_year, done_year_params = _local("year", "e.completed_at")
        done_month, done_month_params = _local("month", "e.completed_at")
        columns += f", {done_year} * 100 + {done_month}"
        column_params += done_year_params + done_month_params
        counts, which, width = f"{sign} * COUNT(*)", " AND e.completed_at IS NOT NULL", 6
    positions = ", ".join(str(n) for n in range(1, width + 1))
    return (
        f"SELECT {columns}, {counts} FROM {ENROLLMENT} e"
        f" JOIN {officials} s ON s.official_id = e.official_id"
        f" JOIN {rollup} r ON r.unit_id = COALESCE(e.unit_id, s.unit_id)"
        f" WHERE s.is_active{which} AND {where} GROUP BY {positions} ORDER BY {positions}",
        column_params + list(params),
    )


def add(sign, where="1 = 1", params=(), tables=TABLES):
    """Add (sign 1) or take out (sign -1) the contributions of the raw rows passing ``where``,
    counted through the stored maps, to ``tables`` (kept in ``TABLES`` order)."""
    with connection.cursor() as cursor:
        for table in tables:
            sql, sql_params = _select(table, int(sign), where, params, STORED_OFFICIALS, STORED_ROLLUP)
            columns = ", ".join(table.keys + table.values)
            increments = ", ".join(f"{v} = {table.name}.{v} + excluded.{v}" for v in table.values)
            cursor.execute(
                f"INSERT INTO {table.name} ({columns}) {sql}"
                f" ON CONFLICT ({', '.join(table.keys)}) DO UPDATE SET {increments}",
                sql_params,
            )


def counted(table, officials=STORED_OFFICIALS, rollup=STORED_ROLLUP):
    """``{key: values}`` recomputed from the raw rows (without zero rows): what ``table`` should hold."""
    sql, params = _select(table, 1, "1 = 1", (), officials, rollup)
    return _as_dict(table, sql, params)


def stored(table):
    """``{key: values}`` as the tally holds it, rows that add up to nothing left out."""
    columns = ", ".join(table.keys + table.values)
    return _as_dict(table, f"SELECT {columns} FROM {table.name}", [])


def _as_dict(table, sql, params):
    width = len(table.keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = {}
    for row in rows:
        values = tuple(int(v) for v in row[width:])
        if any(values):
            result[tuple(_plain(k) for k in row[:width])] = values
    return result


def _plain(value):
    # SQLite hands dates back as text when they come from raw SQL.
    return value.isoformat() if hasattr(value, "isoformat") else value
